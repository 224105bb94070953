"""Stock as plain data: what we have, what paid orders hold, and what TikTok should be told.

Our store is the truth for stock, per SKU and warehouse (`on_hand`, set from the first catalog sync and
then by operators); a paid order holds units in the warehouse TikTok assigned it. TikTok's quantity is
derived from it: available (on hand minus reservations of unshipped orders) minus a safety buffer, in each
warehouse, pushed in batches (reference/tiktok-shop-api.md §5.5: one Update Inventory call per product,
each SKU listing every warehouse it is assigned to, quantity in [1, 99999]). Since 0 cannot be pushed, a
product with nothing to offer on any SKU is taken off sale (Deactivate Products) and put back (Activate
Products) once it has stock again; only a product we took off sale, never one the seller paused.
Nothing here knows about Temporal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

# Update Inventory accepts [1, 99999]: an SKU we want at 0 cannot be pushed. A product whose every SKU is at 0
# is deactivated instead; one SKU at 0 beside others in stock keeps the last quantity TikTok was told.
TIKTOK_MIN_QUANTITY = 1
TIKTOK_MAX_QUANTITY = 99_999
OUT_OF_STOCK = "OutOfStock"  # AttentionReason of a paid order we have no stock for
# AttentionReason of a paid order whose warehouse (or lack of one) we keep no stock of a SKU in: its units
# are never taken from another warehouse behind the seller's back.
WAREHOUSE_NOT_STOCKED = "WarehouseNotStocked"


class CatalogChange(BaseModel):
    """Something changed: a product webhook (types 5, 15, 16), a connect, or an operator's stock count."""

    model_config = ConfigDict(frozen=True)

    source: str  # webhook | connect | operator
    resync: bool = True  # re-read the catalog from TikTok (an operator's count only needs a push)
    product_id: str = ""


class InventoryPolicy(BaseModel):
    """Stock knobs of a shop's catalog workflow; production defaults, shortened by tests."""

    model_config = ConfigDict(frozen=True)

    # Units kept back from TikTok, so a burst of orders between two pushes cannot oversell the shelf.
    safety_buffer: int = Field(default=5, ge=0)
    # At or under this many available units an SKU raises the LowStock alert.
    low_stock_threshold: int = Field(default=10, ge=0)
    # How often stock changes are pushed to TikTok (all changes since the last push, one call per product).
    push_interval: timedelta = timedelta(minutes=1)
    # How often the whole catalog is re-read from TikTok, besides product webhooks and connect.
    sync_interval: timedelta = timedelta(hours=6)
    activity_timeout: timedelta = timedelta(seconds=60)


class StockLevel(BaseModel):
    """One SKU's stock in one warehouse, as operators and the push see it."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    product_id: str
    sku_id: str
    seller_sku: str = ""
    title: str = ""
    warehouse_id: str = ""
    on_hand: int
    reserved: int
    tiktok_quantity: int | None = None  # what TikTok was last told (or showed at the last sync)
    assigned: bool = True  # TikTok lists the SKU in this warehouse: pushes name it
    active: bool = True  # TikTok only takes inventory updates for ACTIVATE products
    # We deactivated the product because it had nothing to offer (and it is still only seller-deactivated):
    # ours to activate again once it has stock. A product the seller or TikTok took off sale is not.
    stock_deactivated: bool = False

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def listed_quantity(level: StockLevel, policy: InventoryPolicy) -> int:
    """What TikTok should offer: available minus the safety buffer, never below 0."""
    return min(max(level.available - policy.safety_buffer, 0), TIKTOK_MAX_QUANTITY)


class WarehousePush(BaseModel):
    model_config = ConfigDict(frozen=True)

    warehouse_id: str
    quantity: int


class SkuPush(BaseModel):
    """One SKU of an Update Inventory call: every warehouse TikTok lists it in, each with its quantity."""

    model_config = ConfigDict(frozen=True)

    sku_id: str
    inventory: list[WarehousePush]


class ProductPush(BaseModel):
    """One product's push: activated first if we had taken it off sale (TikTok updates only ACTIVATE
    products' stock), then one Update Inventory call with every changed SKU, if any."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    skus: list[SkuPush]
    activate: bool = False


class StockPlan(BaseModel):
    """What one push does: products taken off sale because no SKU has anything to offer, pushes, and SKUs
    that cannot be pushed (with why)."""

    model_config = ConfigDict(frozen=True)

    deactivate: list[str] = Field(default_factory=list)
    pushes: list[ProductPush] = Field(default_factory=list)
    unpushable: list[str] = Field(default_factory=list)


def plan_stock(levels: Sequence[StockLevel], policy: InventoryPolicy) -> StockPlan:
    """Per product: off sale when no SKU should offer anything in any warehouse; back on sale (with its
    quantities) when we took it off and a SKU has stock again; otherwise every SKU whose quantity in some
    warehouse differs from what TikTok was told, in one call. Products the seller or TikTok deactivated
    are left alone. Warehouses TikTok no longer lists the SKU in are not offered."""
    by_product: dict[str, list[StockLevel]] = {}
    for level in levels:
        if level.assigned:
            by_product.setdefault(level.product_id, []).append(level)
    deactivate: list[str] = []
    pushes: list[ProductPush] = []
    unpushable: list[str] = []
    for product_id, rows in sorted(by_product.items()):
        sellable = any(listed_quantity(level, policy) >= TIKTOK_MIN_QUANTITY for level in rows)
        active = any(level.active for level in rows)
        if active and not sellable:
            deactivate.append(product_id)
            continue
        reactivate = not active and sellable and all(level.stock_deactivated for level in rows)
        if not (active or reactivate):
            continue
        by_sku: dict[str, list[StockLevel]] = {}
        for level in rows:
            by_sku.setdefault(level.sku_id, []).append(level)
        changed = []
        for sku_id, warehouses in by_sku.items():
            push = _sku_push(sku_id, warehouses, policy)
            if isinstance(push, str):
                unpushable.append(push)
            elif push is not None:
                changed.append(push)
        if changed or reactivate:
            pushes.append(ProductPush(product_id=product_id, skus=changed, activate=reactivate))
    return StockPlan(deactivate=deactivate, pushes=pushes, unpushable=unpushable)


def _sku_push(sku_id: str, warehouses: Sequence[StockLevel], policy: InventoryPolicy) -> SkuPush | str | None:
    """The SKU's push if a warehouse's quantity changed, None if none did, or why it cannot be pushed.

    TikTok takes [1, 99999] and wants every warehouse listed: a SKU with nothing to offer anywhere keeps
    what TikTok was told (its product is deactivated once no SKU has stock); a warehouse at 0 beside
    others with stock keeps TikTok's last quantity there, as 0 cannot be sent."""
    wanted = [listed_quantity(level, policy) for level in warehouses]
    if max(wanted) < TIKTOK_MIN_QUANTITY:
        return None
    inventory = []
    for level, quantity in zip(warehouses, wanted, strict=True):
        if quantity < TIKTOK_MIN_QUANTITY:
            if level.tiktok_quantity is None or level.tiktok_quantity < TIKTOK_MIN_QUANTITY:
                return (
                    f"{level.seller_sku or sku_id}: nothing to offer in warehouse {level.warehouse_id}, "
                    "where TikTok shows none either; 0 cannot be sent, so its other warehouses wait"
                )
            quantity = level.tiktok_quantity
        inventory.append(WarehousePush(warehouse_id=level.warehouse_id, quantity=quantity))
    if all(push.quantity == level.tiktok_quantity for push, level in zip(inventory, warehouses, strict=True)):
        return None
    return SkuPush(sku_id=sku_id, inventory=inventory)


def is_low(level: StockLevel, policy: InventoryPolicy) -> bool:
    return level.available <= policy.low_stock_threshold


def low_stock(levels: Sequence[StockLevel], policy: InventoryPolicy) -> list[str]:
    """The seller SKUs (or ids) at or under the threshold in some warehouse, each named once."""
    low = [level.seller_sku or level.sku_id for level in levels if is_low(level, policy)]
    return list(dict.fromkeys(low))


class Reservation(BaseModel):
    """Whether a paid order got its stock; `short` lists the SKUs that ran out in the order's warehouse,
    `unstocked` those we keep stock of, but not in the order's warehouse (or it named none and the SKU is
    in several)."""

    model_config = ConfigDict(frozen=True)

    reserved: bool
    short: list[str] = Field(default_factory=list)
    unstocked: list[str] = Field(default_factory=list)


class CatalogSummary(BaseModel):
    """What one sync or push did, for the catalog workflow's state and UI."""

    model_config = ConfigDict(frozen=True)

    products: int = 0
    skus: int = 0
    pushed_skus: int = 0
    push_calls: int = 0
    refused: list[str] = Field(default_factory=list)  # SKUs (or products) TikTok refused, with its reason
    deactivated: list[str] = Field(default_factory=list)  # products taken off sale: nothing to offer
    reactivated: list[str] = Field(default_factory=list)  # products we had taken off sale, back on it
    low_stock: list[str] = Field(default_factory=list)  # seller SKUs (or ids) at or under the threshold
    at: datetime | None = None


class CatalogState(BaseModel):
    """The catalog workflow's state: what its `state` query returns and continue-as-new carries."""

    shop_id: str
    last_sync: CatalogSummary | None = None
    last_push: CatalogSummary | None = None
    low_stock: list[str] = Field(default_factory=list)
    failures: int = 0  # syncs and pushes that failed (each is done again at the next interval)


class CatalogInput(BaseModel):
    shop_id: str
    policy: InventoryPolicy = Field(default_factory=InventoryPolicy)
    carried: CatalogState | None = None
