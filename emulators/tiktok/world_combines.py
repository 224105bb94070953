"""Combining a buyer's orders into one package, and taking orders out again (reference §5.3 Search Combinable
Packages, Combine Package, Uncombine; peers.md §4.7).

TikTok's rules, as the emulator applies them: up to 20 orders, of one buyer, to one address, with one
delivery option and shipping type; each awaiting shipment in one package of its own (not split, combined or
shipped). A combined package holds every order's line items; each order then shows that one package and
`split_or_combine_tag` COMBINED, and a type-4 webhook (`sc_type` COMBINE, or CANCEL_COMBINE on uncombine)
names the package and its orders. Shipping the package ships every order in it (world_fulfillment).

Combine is a batch: what it refuses is in `data.errors[]` (TikTok documents no codes for these, so the
emulator's `COMBINE_NOT_ALLOWED`), and the rest is combined.
"""

from __future__ import annotations

from collections.abc import Hashable

from emulators.tiktok.webhook_events import PackageOrders, PackageUpdate
from emulators.tiktok.wire_errors import ApiError, EmulatorCode, invalid_request
from emulators.tiktok.wire_models import Order, OrderStatus, Package, PackageRef, PackageStatus, Shop
from emulators.tiktok.wire_schemas import CombinablePackage, CombineError, CombineErrorDetail
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_orders import OrderBook

MAX_COMBINED_ORDERS = 20


class Combines(WorldPart):
    def __init__(self, context: WorldContext, orders: OrderBook) -> None:
        super().__init__(context)
        self._orders = orders

    def combinable(self, shop: Shop) -> list[CombinablePackage]:
        """Every group of two or more orders TikTok would combine, 20 at most each, oldest orders first."""
        groups: dict[Hashable, list[Order]] = {}
        for order in sorted(self._orders.of_shop(shop), key=lambda o: o.create_time):  # stable: as placed
            if self._refusal(order) is None:
                groups.setdefault(_same_parcel(order), []).append(order)
        found = []
        for members in groups.values():
            for start in range(0, len(members), MAX_COMBINED_ORDERS):
                chunk = members[start : start + MAX_COMBINED_ORDERS]
                if len(chunk) > 1:
                    found.append(
                        CombinablePackage(id=chunk[0].packages[0].id, order_ids=[o.id for o in chunk])
                    )
        return found

    def combine(
        self, shop: Shop, wanted: list[CombinablePackage]
    ) -> tuple[list[CombinablePackage], list[CombineError]]:
        made, errors = [], []
        for request in wanted:
            try:
                made.append(self._combine(shop, request))
            except ApiError as refused:
                detail = CombineErrorDetail(package_id=request.id)
                errors.append(CombineError(code=refused.code, message=refused.message, detail=detail))
        return made, errors

    def uncombine(self, shop: Shop, package_id: str, order_ids: list[str]) -> list[CombinablePackage]:
        """Take `order_ids` out of a combined package: each gets a package of its own again."""
        package = self._orders.packages.get(package_id)
        if (
            package is None
            or package.shop_id != shop.id
            or not package.combined_order_ids
            or package.status == PackageStatus.CANCELLED
        ):
            raise ApiError(
                EmulatorCode.COMBINE_NOT_ALLOWED, f"Package {package_id} is not a combined package."
            )
        strangers = sorted(set(order_ids) - set(package.combined_order_ids))
        if strangers:
            raise invalid_request(f"Orders {strangers} are not in package {package_id}.")
        if package.shipped_time is not None:
            raise ApiError(EmulatorCode.COMBINE_NOT_ALLOWED, f"Package {package_id} has already shipped.")
        now = self._clock.now()
        staying = [o for o in package.combined_order_ids if o not in order_ids]
        leaving = [self._orders.orders[o] for o in order_ids]
        if len(staying) < 2:  # one order left is no combination: it gets a package of its own too
            leaving += [self._orders.orders[o] for o in staying]
            staying = []
        result = [self._own_package(order, package) for order in leaving]
        if staying:
            moved = {item_id for order in leaving for item_id in (i.id for i in order.line_items)}
            package.line_item_ids = [i for i in package.line_item_ids if i not in moved]
            package.combined_order_ids = staying
            package.order_id = staying[0]
            package.update_time = now
            result.append(CombinablePackage(id=package.id, order_ids=staying))
        else:
            package.status = PackageStatus.CANCELLED
            package.update_time = now
        self._publish(shop, "CANCEL_COMBINE", result)
        return result

    def _combine(self, shop: Shop, request: CombinablePackage) -> CombinablePackage:
        if not 2 <= len(request.order_ids) <= MAX_COMBINED_ORDERS:
            raise invalid_request(f"A combined package holds 2 to {MAX_COMBINED_ORDERS} orders.")
        orders = [self._orders.order(shop, order_id) for order_id in dict.fromkeys(request.order_ids)]
        for order in orders:
            refusal = self._refusal(order)
            if refusal is not None:
                raise ApiError(
                    EmulatorCode.COMBINE_NOT_ALLOWED, f"Order {order.id} cannot be combined: {refusal}"
                )
        if len({_same_parcel(order) for order in orders}) != 1:
            raise ApiError(
                EmulatorCode.COMBINE_NOT_ALLOWED,
                "Orders combine only with the same buyer, address, delivery option and shipping type.",
            )
        now = self._clock.now()
        firsts = [self._orders.packages_of(order)[0] for order in orders]
        combined = firsts[0].model_copy(
            update={
                "id": self._ids.numeric("1153"),
                "order_id": orders[0].id,
                "combined_order_ids": [order.id for order in orders],
                "line_item_ids": [item.id for order in orders for item in order.line_items],
                "split_and_combine_tag": "COMBINE",
                "create_time": now,
                "update_time": now,
                "tracking": [],
            }
        )
        self._orders.packages[combined.id] = combined
        for order, old in zip(orders, firsts, strict=True):
            old.status, old.update_time = PackageStatus.CANCELLED, now
            self._point(order, combined.id, combined=True)
        made = CombinablePackage(id=combined.id, order_ids=combined.combined_order_ids)
        self._publish(shop, "COMBINE", [made])
        return made

    def _own_package(self, order: Order, combined: Package) -> CombinablePackage:
        own = combined.model_copy(
            update={
                "id": self._ids.numeric("1153"),
                "order_id": order.id,
                "combined_order_ids": [],
                "line_item_ids": [item.id for item in order.line_items],
                "split_and_combine_tag": "DEFAULT",
                "create_time": self._clock.now(),
                "update_time": self._clock.now(),
                "tracking": [],
            }
        )
        self._orders.packages[own.id] = own
        self._point(order, own.id, combined=False)
        return CombinablePackage(id=own.id, order_ids=[order.id])

    def _point(self, order: Order, package_id: str, *, combined: bool) -> None:
        """The order ships in `package_id` from now on."""
        order.packages = [PackageRef(id=package_id)]
        for item in order.line_items:
            item.package_id = package_id
        order.split_or_combine_tag = "COMBINED" if combined else None
        order.update_time = self._clock.now()

    def _refusal(self, order: Order) -> str | None:
        if order.status != OrderStatus.AWAITING_SHIPMENT:
            return f"only orders awaiting shipment combine; this one is {order.status}."
        packages = self._orders.packages_of(order)
        if len(packages) != 1 or packages[0].split_and_combine_tag != "DEFAULT":
            return "the order is already split or combined."
        return None

    def _publish(self, shop: Shop, sc_type: str, packages: list[CombinablePackage]) -> None:
        self._publisher.publish(
            shop,
            PackageUpdate(
                sc_type=sc_type,
                role_type="ROLE_SELLER",
                package_list=[PackageOrders(package_id=p.id, order_id_list=p.order_ids) for p in packages],
                update_time=self._clock.now(),
            ),
        )


def _same_parcel(order: Order) -> Hashable:
    """What orders must share to ship as one parcel: buyer, address, delivery option, shipping type."""
    address = order.recipient_address
    where = (address.full_address, address.postal_code) if address else None
    return (order.user_id, where, order.delivery_option_id, order.shipping_type)
