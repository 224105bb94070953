"""The emulator's admin API under `/_admin`: what buyers, carriers, sellers and TikTok itself do, on demand.

Not part of TikTok's API and not signed. Tests and demos use it to build a world (sellers, products,
orders, historical orders for backfills), to play the other parties (pay, carrier scan, deliver, open a
cancellation or a return, revoke an authorization), to move time, to tune the gateway (QPS, timeout hang)
and webhook delivery, and to read state. Unknown ids answer 404; a change the current state does not allow
answers 409 with the reason. `/_admin/faults` and `/_admin/ledger` come from `emulators.faults`.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Literal, Self, TypeVar

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, Field, ValidationError, model_validator

from emulators.faults import FaultInjector
from emulators.tiktok.gateway import RateLimiter
from emulators.tiktok.settings import GatewaySettings, WebhookSettings
from emulators.tiktok.webhook_pusher import Delivery, Outcome, WebhookPusher
from emulators.tiktok.wire_errors import UnknownObject
from emulators.tiktok.wire_models import (
    Cancellation,
    Order,
    OrderStatus,
    Package,
    PackageDimensions,
    PackageWeight,
    Product,
    ProductStatus,
    ReturnRequest,
    ReturnType,
    Seller,
    SellerRejection,
    ShippingType,
    Warehouse,
    WarehouseAddress,
    WarehouseType,
)
from emulators.tiktok.wire_schemas import TokenData
from emulators.tiktok.world import World
from emulators.tiktok.world_catalog import NewSku
from emulators.tiktok.world_orders import OrderLine

M = TypeVar("M", bound=BaseModel)
OrderAction = Literal["pay", "release_hold", "fbt_ship", "carrier_scan", "deliver", "complete"]


class CreateSeller(BaseModel):
    name: str = "Test Seller"
    base_region: str = Field(default="US", min_length=2, max_length=2)
    shops: int = Field(default=1, ge=1, le=50)
    seller_type: Literal["LOCAL", "CROSS_BORDER"] = "LOCAL"
    user_type: Literal[0, 1, 3] = 0


class AdminShop(BaseModel):
    id: str
    name: str
    region: str
    cipher: str
    code: str
    sales_warehouse_id: str
    return_warehouse_id: str


class AdminSeller(BaseModel):
    id: str
    name: str
    base_region: str
    open_id: str
    shops: list[AdminShop]


class NewSkuBody(BaseModel):
    seller_sku: str = Field(min_length=1)
    price: Decimal = Field(gt=0, decimal_places=2)
    stock: int = Field(ge=0)
    variant: str = "Default"


class TikTokShippingSignUp(BaseModel):
    enabled: bool


class CreateProduct(BaseModel):
    shop_id: str
    title: str = Field(min_length=1)
    skus: list[NewSkuBody] = Field(min_length=1)
    status: ProductStatus = ProductStatus.ACTIVATE
    # What the seller entered on TikTok; both or neither (TikTok asks for them together).
    package_weight: PackageWeight | None = None
    package_dimensions: PackageDimensions | None = None
    warehouse_id: str | None = Field(default=None, description="the sales warehouse stocking it")

    @model_validator(mode="after")
    def _package_whole(self) -> CreateProduct:
        if (self.package_weight is None) != (self.package_dimensions is None):
            raise ValueError("package_weight and package_dimensions go together")
        return self


class StockIn(BaseModel):
    """The seller assigns a SKU to another sales warehouse, with its stock there."""

    shop_id: str
    warehouse_id: str
    quantity: int = Field(ge=0)


class EditProduct(BaseModel):
    title: str = Field(min_length=1)


class SetProductStatus(BaseModel):
    status: ProductStatus
    reason: str = ""


class LineBody(BaseModel):
    sku_id: str
    quantity: int = Field(default=1, ge=1, le=100)


class CreateOrders(BaseModel):
    """Orders as buyers place them; with `status` (and optional times), history that pushes no webhooks."""

    shop_id: str
    items: list[LineBody] = Field(min_length=1)
    count: int = Field(default=1, ge=1, le=1000)
    shipping_type: ShippingType = ShippingType.SELLER
    paid: bool = True
    on_hold: bool = True
    undeliverable_address: bool = False
    buyer_message: str = ""
    warehouse_id: str | None = Field(default=None, description="the sales warehouse it ships from")
    fulfilled_by_tiktok: bool = Field(default=False, description="an FBT order: TikTok ships it")
    same_buyer_as: str | None = Field(
        default=None, description="placed by this order's buyer, to the same address (orders to combine)"
    )
    status: OrderStatus | None = Field(
        default=None, description="backfill: create the order already in this status"
    )
    create_time: int | None = Field(default=None, description="backfill only")
    update_time: int | None = Field(default=None, description="backfill only; defaults to create_time")

    @model_validator(mode="after")
    def history_needs_a_status(self) -> Self:
        if self.status is None and (self.create_time is not None or self.update_time is not None):
            raise ValueError("create_time and update_time are for backfilled orders: give a status too")
        if self.create_time and self.update_time and self.update_time < self.create_time:
            raise ValueError("update_time must not be before create_time")
        return self


class NewWarehouse(BaseModel):
    """A warehouse the seller adds in Seller Center; without an address, at the region's second site."""

    name: str = Field(min_length=1)
    type: WarehouseType = "SALES_WAREHOUSE"
    address: WarehouseAddress | None = None


class AdminOrder(BaseModel):
    """An order with everything the API would hide or spread over several calls."""

    shop_id: str
    hold_until: int | None
    order: Order
    packages: list[Package]
    cancellations: list[Cancellation]
    returns: list[ReturnRequest]
    rejections: list[SellerRejection]


class ShopOrders(BaseModel):
    orders: list[Order]
    status_counts: dict[str, int]


class NewAddress(BaseModel):
    name: str = Field(min_length=1)
    street: str = Field(min_length=1)
    city: str = Field(min_length=1)
    state: str = Field(min_length=1)
    postal_code: str = Field(min_length=1)


class OpenCancellation(BaseModel):
    reason: str = "Buyer changed their mind"


class OpenReturn(BaseModel):
    return_type: Literal[ReturnType.REFUND, ReturnType.RETURN_AND_REFUND]
    amount: Decimal | None = Field(default=None, gt=0, description="defaults to the order total")
    reason: str = "Item not as described"


class Shortfall(BaseModel):
    amount: Decimal = Field(gt=0)


class ClockState(BaseModel):
    now: int


class AdvanceClock(BaseModel):
    seconds: float = Field(gt=0)


class ExpiryWarning(BaseModel):
    expiration_time: int


def patched(current: M, changes: dict[str, Any]) -> M:
    """`current` with `changes` applied, validated by its own model (so a typo or a bad value is a 422)."""
    try:
        return type(current).model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from exc


def admin_router(
    world: World, limiter: RateLimiter, faults: FaultInjector, pusher: WebhookPusher
) -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin"])
    catalog, orders, aftersales = world.catalog, world.orders, world.aftersales

    def admin_seller(seller: Seller) -> AdminSeller:
        shops = [
            AdminShop(
                id=shop.id,
                name=shop.name,
                region=shop.region,
                cipher=shop.cipher,
                code=shop.code,
                sales_warehouse_id=shop.sales_warehouse.id,
                return_warehouse_id=next(w.id for w in shop.warehouses if w.type == "RETURN_WAREHOUSE"),
            )
            for shop in catalog.shops_of(seller.id)
        ]
        return AdminSeller(
            id=seller.id,
            name=seller.name,
            base_region=seller.base_region,
            open_id=seller.open_id,
            shops=shops,
        )

    def admin_order(order: Order) -> AdminOrder:
        return AdminOrder(
            shop_id=order.shop_id,
            hold_until=order.hold_until,
            order=order,
            packages=orders.packages_of(order),
            cancellations=[c for c in aftersales.cancellations.values() if c.order_id == order.id],
            returns=[r for r in aftersales.returns.values() if r.order_id == order.id],
            rejections=[r for r in aftersales.rejections if r.order_id == order.id],
        )

    # --- sellers and authorization -------------------------------------------------------------------------

    @router.post("/sellers", status_code=201)
    async def create_seller(body: CreateSeller) -> AdminSeller:
        seller = catalog.create_seller(
            body.name, body.base_region, body.shops, body.seller_type, body.user_type
        )
        return admin_seller(seller)

    @router.get("/sellers")
    async def list_sellers() -> list[AdminSeller]:
        return [admin_seller(seller) for seller in catalog.sellers.values()]

    @router.post("/sellers/{seller_id}/tokens", status_code=201)
    async def authorize_seller(seller_id: str) -> TokenData:
        """Tokens as if the seller had clicked Authorize and the app had exchanged the code."""
        return world.auth.authorize(seller_id)

    @router.post("/sellers/{seller_id}/deauthorize", status_code=204)
    async def deauthorize_seller(seller_id: str) -> None:
        world.auth.deauthorize(catalog.seller(seller_id).id)

    @router.post("/sellers/{seller_id}/authorization_expiring")
    async def warn_authorization_expiry(seller_id: str) -> ExpiryWarning:
        return ExpiryWarning(expiration_time=world.auth.warn_expiry(catalog.seller(seller_id).id))

    @router.post("/tokens/{access_token}/expire", status_code=204)
    async def expire_token(access_token: str) -> None:
        world.auth.expire(access_token)

    @router.post("/shops/{shop_id}/warehouses", status_code=201)
    async def add_warehouse(shop_id: str, body: NewWarehouse) -> Warehouse:
        return catalog.add_warehouse(catalog.shop(shop_id), body.name, body.type, body.address)

    @router.put("/shops/{shop_id}/tiktok_shipping", status_code=204)
    async def set_tiktok_shipping(shop_id: str, body: TikTokShippingSignUp) -> None:
        catalog.shop(shop_id).tiktok_shipping = body.enabled

    # --- products ------------------------------------------------------------------------------------------

    @router.post("/products", status_code=201)
    async def create_product(body: CreateProduct) -> Product:
        skus = [NewSku(s.seller_sku, s.price, s.stock, s.variant) for s in body.skus]
        package = (
            (body.package_weight, body.package_dimensions)
            if body.package_weight and body.package_dimensions
            else None
        )
        shop = catalog.shop(body.shop_id)
        return catalog.create_product(shop, body.title, skus, body.status, package, body.warehouse_id)

    @router.post("/skus/{sku_id}/warehouses", status_code=201)
    async def stock_sku_in(sku_id: str, body: StockIn) -> Product:
        return catalog.stock_in(catalog.shop(body.shop_id), sku_id, body.warehouse_id, body.quantity)

    def listed_product(product_id: str) -> Product:
        product = catalog.products.get(product_id)
        if product is None:
            raise UnknownObject(f"no product {product_id}")
        return product

    @router.patch("/products/{product_id}")
    async def edit_product(product_id: str, body: EditProduct) -> Product:
        """The seller edits a listing in Seller Center. Nothing is pushed: the data of TikTok's
        PRODUCT_INFORMATION_CHANGE (type 15) is not documented (reference §7.3), so tests send it."""
        product = listed_product(product_id)
        catalog.edit_product(product, body.title)
        return product

    @router.post("/products/{product_id}/status")
    async def set_product_status(product_id: str, body: SetProductStatus) -> Product:
        product = listed_product(product_id)
        catalog.set_product_status(catalog.shop(product.shop_id), product, body.status, body.reason)
        return product

    # --- orders --------------------------------------------------------------------------------------------

    @router.post("/orders", status_code=201)
    async def create_orders(body: CreateOrders) -> list[AdminOrder]:
        shop = catalog.shop(body.shop_id)
        lines = [OrderLine(item.sku_id, item.quantity) for item in body.items]
        created = []
        for _ in range(body.count):
            if body.status is not None:
                create_time = body.create_time or world.clock.now()
                order = world.backfill(
                    shop,
                    lines,
                    body.shipping_type,
                    body.status,
                    create_time,
                    body.update_time or create_time,
                    body.warehouse_id,
                )
            else:
                order = orders.place(
                    shop,
                    lines,
                    body.shipping_type,
                    body.on_hold,
                    body.undeliverable_address,
                    body.buyer_message,
                    body.warehouse_id,
                    body.fulfilled_by_tiktok,
                )
                if body.same_buyer_as is not None:
                    orders.same_buyer(order, orders.find(body.same_buyer_as))
                if body.paid:
                    orders.pay(order)
            created.append(admin_order(order))
        return created

    @router.get("/orders/{order_id}")
    async def get_order(order_id: str) -> AdminOrder:
        return admin_order(orders.find(order_id))

    @router.put("/orders/{order_id}/address")
    async def update_address(order_id: str, body: NewAddress) -> AdminOrder:
        order = orders.find(order_id)
        orders.update_address(order, body.name, body.street, body.city, body.state, body.postal_code)
        return admin_order(order)

    @router.post("/orders/{order_id}/cancellations", status_code=201)
    async def buyer_cancels(order_id: str, body: OpenCancellation) -> Cancellation:
        return aftersales.buyer_cancels(orders.find(order_id), body.reason)

    @router.post("/orders/{order_id}/returns", status_code=201)
    async def buyer_opens_return(order_id: str, body: OpenReturn) -> ReturnRequest:
        return aftersales.open_return(orders.find(order_id), body.return_type, body.amount, body.reason)

    @router.put("/orders/{order_id}/shortfall")
    async def set_shortfall(order_id: str, body: Shortfall) -> Shortfall:
        """TikTok settles the order's revenue short by `amount` (a mismatch for tests to find)."""
        world.finance.shortfalls[orders.find(order_id).id] = body.amount
        return body

    @router.post("/returns/{return_id}/buyer_ship")
    async def buyer_ships_return(return_id: str) -> ReturnRequest:
        request = aftersales.returns.get(return_id)
        if request is None:
            raise UnknownObject(f"no return {return_id}")
        aftersales.buyer_ships(request)
        return request

    # Last among /orders/{order_id}/…: it would otherwise swallow "cancellations" and "returns".
    @router.post("/orders/{order_id}/{action}")
    async def act_on_order(order_id: str, action: OrderAction) -> AdminOrder:
        """What the buyer (pay), TikTok (release_hold, fbt_ship: its fulfillment center ships an FBT order,
        complete) and carriers (carrier_scan, deliver) do."""
        order = orders.find(order_id)
        steps = {
            "pay": orders.pay,
            "release_hold": orders.release_hold,
            "fbt_ship": world.fulfillment.fbt_ship,
            "carrier_scan": world.fulfillment.carrier_scan,
            "deliver": world.fulfillment.deliver,
            "complete": orders.complete,
        }
        steps[action](order)
        return admin_order(order)

    @router.get("/shops/{shop_id}/orders")
    async def shop_orders(shop_id: str) -> ShopOrders:
        found = orders.of_shop(catalog.shop(shop_id))
        return ShopOrders(orders=found, status_counts=dict(Counter(order.status.value for order in found)))

    # --- time, gateway and webhooks ------------------------------------------------------------------------

    @router.get("/clock")
    async def get_clock() -> ClockState:
        return ClockState(now=world.clock.now())

    @router.post("/clock/advance")
    async def advance_clock(body: AdvanceClock) -> ClockState:
        return ClockState(now=world.advance_clock(body.seconds))

    @router.get("/gateway")
    async def get_gateway() -> GatewaySettings:
        return GatewaySettings(qps=limiter.qps, timeout_hang_seconds=faults.hang_seconds)

    @router.patch("/gateway")
    async def patch_gateway(changes: dict[str, Any] = Body()) -> GatewaySettings:
        settings = patched(await get_gateway(), changes)
        limiter.set_qps(settings.qps)
        faults.hang_seconds = settings.timeout_hang_seconds
        return settings

    @router.get("/webhooks")
    async def get_webhook_settings() -> WebhookSettings:
        return pusher.settings

    @router.patch("/webhooks")
    async def patch_webhook_settings(changes: dict[str, Any] = Body()) -> WebhookSettings:
        pusher.configure(patched(pusher.settings, changes))
        return pusher.settings

    @router.get("/webhooks/deliveries")
    async def list_deliveries(
        shop_id: str | None = None, type: int | None = None, outcome: Outcome | None = None
    ) -> list[Delivery]:
        return [
            d
            for d in pusher.deliveries
            if (shop_id is None or d.notification.shop_id == shop_id)
            and (type is None or d.notification.type == type)
            and (outcome is None or d.outcome == outcome)
        ]

    return router
