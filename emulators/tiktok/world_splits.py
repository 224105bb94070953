"""Splitting an order into packages (reference §5.3 Get Order Split Attributes, Split Orders; peers.md §4.7).

TikTok's rules, as the emulator applies them:
- An order can be split while it is AWAITING_SHIPMENT, has several line items, no line cancelled, and is
  still one package (not split, combined or shipped in part); otherwise `can_split` is false with a reason.
- `must_split`: a TikTok Shipping order whose items weigh more than one TikTok Shipping parcel may
  (USPS's 70 lb) must be split; the reference names no reason codes, so the emulator's are its own words.
- Split Orders takes caller-chosen groups that together cover the order's line items exactly, each item
  once, at least two groups; it replaces the order's package with one new package per group, answers
  `packages[]{splittable_group_id, id}` and pushes a type-4 webhook (`sc_type` SPLIT).

TikTok documents no error code for a refused split: a split the rules refuse is the emulator's
`SPLIT_NOT_ALLOWED`; malformed groups are 36009004 (TikTok's catch-all for bad parameters).
"""

from __future__ import annotations

from decimal import Decimal

from emulators.tiktok import world_shipping_services as tiktok_shipping
from emulators.tiktok.webhook_events import PackageOrders, PackageUpdate
from emulators.tiktok.wire_errors import ApiError, EmulatorCode, invalid_request
from emulators.tiktok.wire_models import (
    Order,
    OrderStatus,
    Package,
    PackageRef,
    PackageStatus,
    ShippingType,
    Shop,
)
from emulators.tiktok.wire_schemas import SplitAttributes, SplitGroup, SplitPackage
from emulators.tiktok.world_catalog import Catalog
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_orders import OrderBook

# The heaviest parcel TikTok Shipping carries in the US (USPS's limit), in grams.
TIKTOK_SHIPPING_MAX_GRAMS = Decimal(70) * Decimal("453.59237")
MUST_SPLIT_OVERWEIGHT = "The order's items weigh more than one TikTok Shipping parcel may."


class Splits(WorldPart):
    def __init__(self, context: WorldContext, catalog: Catalog, orders: OrderBook) -> None:
        super().__init__(context)
        self._catalog = catalog
        self._orders = orders

    def attributes(self, shop: Shop, order_id: str) -> SplitAttributes:
        order = self._orders.order(shop, order_id)
        refusal = self._refusal(order)
        overweight = self._overweight(shop, order)
        return SplitAttributes(
            order_id=order.id,
            can_split=refusal is None,
            reason=refusal or "",
            must_split=overweight,
            must_split_reasons=[MUST_SPLIT_OVERWEIGHT] if overweight else [],
        )

    def split(self, shop: Shop, order_id: str, groups: list[SplitGroup]) -> list[SplitPackage]:
        order = self._orders.order(shop, order_id)
        refusal = self._refusal(order)
        if refusal is not None:
            raise ApiError(EmulatorCode.SPLIT_NOT_ALLOWED, f"Order {order.id} cannot be split: {refusal}")
        _check_groups(order, groups)
        [whole] = self._orders.packages_of(order)
        now = self._clock.now()
        whole.status = PackageStatus.CANCELLED
        whole.update_time = now
        made: list[SplitPackage] = []
        parts: list[Package] = []
        for group in groups:
            part = whole.model_copy(
                update={
                    "id": self._ids.numeric("1153"),
                    "line_item_ids": list(group.order_line_item_ids),
                    "status": PackageStatus.PROCESSING,
                    "split_and_combine_tag": "SPLIT",
                    "create_time": now,
                    "update_time": now,
                    "tracking": [],
                }
            )
            self._orders.packages[part.id] = part
            parts.append(part)
            made.append(SplitPackage(splittable_group_id=group.id, id=part.id))
        owner = {item_id: part.id for part in parts for item_id in part.line_item_ids}
        for item in order.line_items:
            item.package_id = owner[item.id]
        order.packages = [PackageRef(id=part.id) for part in parts]
        order.split_or_combine_tag = "SPLIT"
        order.update_time = now
        self._publisher.publish(
            shop,
            PackageUpdate(
                sc_type="SPLIT",
                role_type="ROLE_SELLER",
                package_list=[PackageOrders(package_id=part.id, order_id_list=[order.id]) for part in parts],
                update_time=now,
            ),
        )
        return made

    def _refusal(self, order: Order) -> str | None:
        """Why TikTok would not split the order now; None when it would (peers.md §4.7)."""
        if order.status != OrderStatus.AWAITING_SHIPMENT:
            return f"only orders awaiting shipment can be split; this one is {order.status}."
        if len(order.line_items) < 2:
            return "an order of one item cannot be split."
        if any(item.cancel_reason for item in order.line_items):
            return "an order with a cancelled item cannot be split."
        packages = self._orders.packages_of(order)
        if len(packages) != 1 or packages[0].split_and_combine_tag != "DEFAULT":
            return "the order is already split or combined."
        return None

    def _overweight(self, shop: Shop, order: Order) -> bool:
        if order.shipping_type != ShippingType.TIKTOK:
            return False
        total = Decimal(0)
        for item in order.line_items:
            product, _ = self._catalog.sku(shop, item.sku_id)
            if product.package_weight is not None:
                weight = product.package_weight
                total += tiktok_shipping.grams(Decimal(weight.value), weight.unit)
        return total > TIKTOK_SHIPPING_MAX_GRAMS


def _check_groups(order: Order, groups: list[SplitGroup]) -> None:
    """The groups must cover the order's line items exactly, each once, in two or more non-empty groups."""
    if len(groups) < 2:
        raise invalid_request("splittable_groups needs at least two groups.")
    ids = [group.id for group in groups]
    if any(not group_id for group_id in ids) or len(set(ids)) != len(ids):
        raise invalid_request("Each splittable group needs its own non-empty id.")
    if any(not group.order_line_item_ids for group in groups):
        raise invalid_request("A splittable group cannot be empty.")
    given = [item_id for group in groups for item_id in group.order_line_item_ids]
    expected = {item.id for item in order.line_items}
    if len(given) != len(set(given)):
        raise invalid_request("A line item may be in one splittable group only.")
    if set(given) != expected:
        strangers = sorted(set(given) - expected)
        missing = sorted(expected - set(given))
        raise invalid_request(
            f"splittable_groups must cover order {order.id}'s line items exactly: "
            f"unknown {strangers}, missing {missing}."
        )
