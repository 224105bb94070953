"""Orders, and every way an order's status moves (reference §5.2).

    UNPAID -> ON_HOLD (paid) -> AWAITING_SHIPMENT (after the hold window) -> [PARTIALLY_SHIPPING]
      -> AWAITING_COLLECTION (all packages shipped) -> IN_TRANSIT (carrier's first scan) -> DELIVERED
      -> COMPLETED (after a window, or on a full refund); CANCELLED from any state up to AWAITING_COLLECTION.

Every status change goes through `set_status`, which bumps `update_time` and pushes a type-1 webhook. A
buyer's quantity of N becomes N line items, as on TikTok. Each order starts with one package; shipping and
carrier progress are `world_fulfillment`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from emulators.tiktok.webhook_events import OrderStatusChange, RecipientAddressUpdate
from emulators.tiktok.wire_errors import ApiError, Code, Conflict, UnknownObject, owned_by
from emulators.tiktok.wire_models import (
    SELLER_CANCELLABLE,
    LineItem,
    Order,
    OrderStatus,
    Package,
    PackageRef,
    PackageStatus,
    Payment,
    Role,
    ShippingType,
    Shop,
    money,
)
from emulators.tiktok.world_catalog import Catalog
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_regions import UNDELIVERABLE_ADDRESS, Place, recipient, region

REFUND_COMPLETES = {OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED}


@dataclass(frozen=True)
class OrderLine:
    sku_id: str
    quantity: int


FBT = "FULFILLMENT_BY_TIKTOK"  # Order.fulfillment_type of an order TikTok fulfils itself


class OrderBook(WorldPart):
    def __init__(self, context: WorldContext, catalog: Catalog) -> None:
        super().__init__(context)
        self._catalog = catalog
        self.orders: dict[str, Order] = {}
        self.packages: dict[str, Package] = {}

    # --- lookups -------------------------------------------------------------------------------------------

    def order(self, shop: Shop, order_id: str) -> Order:
        message = f"Order {order_id} does not belong to this seller."
        return owned_by(shop.id, self.orders.get(order_id), Code.NOT_SELLERS_ORDER, message)

    def find(self, order_id: str) -> Order:
        if order_id not in self.orders:
            raise UnknownObject(f"no order {order_id}")
        return self.orders[order_id]

    def of_shop(self, shop: Shop) -> list[Order]:
        return [order for order in self.orders.values() if order.shop_id == shop.id]

    def packages_of(self, order: Order) -> list[Package]:
        return [self.packages[ref.id] for ref in order.packages]

    # --- the buyer's side ----------------------------------------------------------------------------------

    def place(
        self,
        shop: Shop,
        lines: Iterable[OrderLine],
        shipping_type: ShippingType,
        on_hold: bool = True,
        undeliverable: bool = False,
        buyer_message: str = "",
        warehouse_id: str | None = None,
        fulfilled_by_tiktok: bool = False,
    ) -> Order:
        """A buyer checks out: the order is created UNPAID and the stock is taken, from `warehouse_id` (a
        sales warehouse of the shop; default: its default one). An FBT order (`fulfilled_by_tiktok`) ships
        from TikTok's own stock with TikTok's carrier: the seller's shelf is left alone (the emulator keeps
        the seller's warehouse id on it; TikTok's fulfillment centers are not modelled)."""
        now = self._clock.now()
        warehouse = self._catalog.sales_warehouse(shop, warehouse_id)
        shipping_type = ShippingType.TIKTOK if fulfilled_by_tiktok else shipping_type
        sent_by_seller = shipping_type == ShippingType.SELLER
        option = self._catalog.delivery_option_for(warehouse, sent_by_seller)
        home = region(shop.region)
        package = Package(
            id=self._ids.numeric("1153"),
            shop_id=shop.id,
            order_id=self._ids.numeric("5766", 18),
            line_item_ids=[],
            shipping_type=shipping_type,
            delivery_option_id=option.id,
            create_time=now,
            update_time=now,
        )
        items = self._line_items(shop, lines, package.id, None if fulfilled_by_tiktok else warehouse.id)
        package.line_item_ids = [item.id for item in items]
        name, place = UNDELIVERABLE_ADDRESS if undeliverable else self._rng.choice(home.buyers)
        sub_total = sum((Decimal(item.sale_price) for item in items), Decimal(0))
        order = Order(
            id=package.order_id,
            status=OrderStatus.UNPAID,
            user_id=self._ids.numeric("7494"),
            buyer_email=f"{self._ids.opaque('v2', 22).lower()}@scs.tiktokw.us",
            buyer_message=buyer_message,
            create_time=now,
            update_time=now,
            shipping_type=shipping_type,
            delivery_option_id=option.id,
            delivery_option_name=option.name,
            warehouse_id=warehouse.id,
            fulfillment_type="FULFILLMENT_BY_TIKTOK" if fulfilled_by_tiktok else "FULFILLMENT_BY_SELLER",
            is_on_hold_order=on_hold,
            packages=[PackageRef(id=package.id)],
            payment=Payment(
                currency=home.currency,
                sub_total=money(sub_total),
                shipping_fee="0.00",
                seller_discount="0.00",
                platform_discount="0.00",
                tax="0.00",
                total_amount=money(sub_total),
                original_shipping_fee="0.00",
                original_total_product_price=money(sub_total),
            ),
            recipient_address=recipient(name, place, shop.region),
            line_items=items,
            shop_id=shop.id,
        )
        self.orders[order.id] = order
        self.packages[package.id] = package
        self._publish_status(order)
        return order

    def same_buyer(self, order: Order, other: Order) -> None:
        """`order` was placed by `other`'s buyer, to the same address (before anyone read it)."""
        order.user_id, order.buyer_email = other.user_id, other.buyer_email
        order.recipient_address = other.recipient_address

    def _line_items(
        self, shop: Shop, lines: Iterable[OrderLine], package_id: str, warehouse_id: str | None
    ) -> list[LineItem]:
        """The order's lines, their units taken from `warehouse_id` (None: TikTok's stock, FBT)."""
        items = []
        for line in lines:
            product, sku = self._catalog.sku(shop, line.sku_id)
            self._catalog.check_on_sale(product)
            if warehouse_id is not None:
                self._catalog.move_stock(sku, warehouse_id, -line.quantity)
            items += [
                LineItem(
                    id=self._ids.numeric("5766", 18),
                    sku_id=sku.id,
                    product_id=product.id,
                    product_name=product.title,
                    sku_name=sku.name,
                    seller_sku=sku.seller_sku,
                    sale_price=sku.price.sale_price,
                    original_price=sku.price.sale_price,
                    currency=sku.price.currency,
                    display_status=OrderStatus.UNPAID,
                    package_id=package_id,
                    package_status="TO_FULFILL",
                )
                for _ in range(line.quantity)
            ]
        return items

    def pay(self, order: Order) -> None:
        """Payment starts the SLA clocks and the remorse window (ON_HOLD), unless the order skips the hold."""
        self.require(order, {OrderStatus.UNPAID}, "pay")
        now = self._clock.now()
        order.paid_time = now
        order.rts_sla_time = now + self._settings.rts_sla_seconds
        order.tts_sla_time = now + self._settings.tts_sla_seconds
        if order.is_on_hold_order:
            order.hold_until = now + self._settings.hold_window_seconds
            self.set_status(order, OrderStatus.ON_HOLD)
        else:
            self.set_status(order, OrderStatus.AWAITING_SHIPMENT)

    def release_hold(self, order: Order) -> None:
        self.require(order, {OrderStatus.ON_HOLD}, "release the hold of")
        order.hold_until = None
        self.set_status(order, OrderStatus.AWAITING_SHIPMENT)

    def update_address(
        self, order: Order, name: str, street: str, city: str, state: str, postal_code: str
    ) -> None:
        """The buyer edits the shipping address: a type-3 webhook. Allowed until the carrier collects the
        package. The reference does not say how late TikTok lets a buyer edit; the emulator takes the latest
        moment a seller could still act on it (a new label before the carrier's first scan)."""
        self.require(
            order,
            {
                OrderStatus.UNPAID,
                OrderStatus.ON_HOLD,
                OrderStatus.AWAITING_SHIPMENT,
                OrderStatus.PARTIALLY_SHIPPING,
                OrderStatus.AWAITING_COLLECTION,
            },
            "readdress",
        )
        order.recipient_address = recipient(
            name, Place(street, city, state, postal_code), self.shop_of(order).region
        )
        order.update_time = self._clock.now()
        self._publisher.publish(
            self.shop_of(order), RecipientAddressUpdate(order_id=order.id, update_time=order.update_time)
        )

    # --- TikTok's side -------------------------------------------------------------------------------------

    def complete(self, order: Order) -> None:
        """Completion closes the order; TikTok does it on its own some days after delivery."""
        self.require(order, {OrderStatus.DELIVERED}, "complete")
        self.set_status(order, OrderStatus.COMPLETED)

    def complete_by_refund(self, order: Order) -> None:
        """A full refund closes an order that has shipped but not completed (§5.2)."""
        self.require(order, REFUND_COMPLETES, "complete by refund")
        self.set_status(order, OrderStatus.COMPLETED)

    def cancel(self, order: Order, initiator: Role, reason: str) -> None:
        allowed = SELLER_CANCELLABLE | ({OrderStatus.IN_TRANSIT} if initiator == Role.SYSTEM else set())
        if order.status not in allowed:
            raise ApiError(
                Code.INVALID_ORDER_STATUS, f"Invalid order status: order {order.id} is {order.status}."
            )
        order.cancel_time = self._clock.now()
        order.cancel_reason = reason
        order.cancellation_initiator = initiator.value
        order.is_buyer_request_cancel = False
        order.hold_until = None
        shop = self.shop_of(order)
        for item in order.line_items:
            item.cancel_user = initiator.value
            item.cancel_reason = reason
            _, sku = self._catalog.sku(shop, item.sku_id)
            if order.fulfillment_type != FBT:
                self._catalog.move_stock(sku, order.warehouse_id, +1)
        for package in self.packages_of(order):
            package.status = PackageStatus.CANCELLED
            package.update_time = order.cancel_time
        self.set_status(order, OrderStatus.CANCELLED)

    def apply_due_transitions(self) -> None:
        """What TikTok does on its own when time passes: end holds, complete delivered orders."""
        now = self._clock.now()
        for order in list(self.orders.values()):
            if (
                order.status == OrderStatus.ON_HOLD
                and order.hold_until is not None
                and order.hold_until <= now
            ):
                self.release_hold(order)
            elif (
                order.status == OrderStatus.DELIVERED
                and order.delivery_time is not None
                and order.delivery_time + self._settings.auto_complete_seconds <= now
            ):
                self.complete(order)

    # --- history -----------------------------------------------------------------------------------------

    def date_back(self, order: Order, create_time: int, update_time: int) -> None:
        """Moves every time of a freshly walked order to the history the caller asked for."""
        order.create_time = create_time
        order.update_time = update_time
        if order.paid_time is not None:
            order.paid_time = create_time
            order.rts_sla_time = create_time + self._settings.rts_sla_seconds
            order.tts_sla_time = create_time + self._settings.tts_sla_seconds
        if order.hold_until is not None:
            order.hold_until = create_time + self._settings.hold_window_seconds
        for name in ("rts_time", "collection_time", "delivery_time", "cancel_time"):
            if getattr(order, name) is not None:
                setattr(order, name, update_time)
        for package in self.packages_of(order):
            package.create_time = create_time
            package.update_time = update_time
            if package.shipped_time is not None:
                package.shipped_time = update_time
            for event in package.tracking:
                event.update_time_millis = update_time * 1000
        self._sync_line_items(order)

    # --- helpers -------------------------------------------------------------------------------------------

    def shop_of(self, order: Order) -> Shop:
        return self._catalog.shop(order.shop_id)

    def require(self, order: Order, statuses: set[OrderStatus], action: str) -> None:
        if order.status not in statuses:
            allowed = ", ".join(sorted(statuses))
            raise Conflict(f"cannot {action} order {order.id}: it is {order.status}, not {allowed}")

    def set_status(self, order: Order, status: OrderStatus) -> None:
        order.update_time = self._clock.now()
        changed = order.status != status
        order.status = status
        self._sync_line_items(order)
        if changed:
            self._publish_status(order)

    def _sync_line_items(self, order: Order) -> None:
        """Line items mirror their order's and their package's state, as TikTok returns them."""
        for item in order.line_items:
            package = self.packages[item.package_id]
            item.display_status = order.status
            shipped = package.shipped_time is not None or package.status == PackageStatus.CANCELLED
            item.package_status = package.status.value if shipped else "TO_FULFILL"
            item.tracking_number = package.tracking_number
            item.shipping_provider_id = package.shipping_provider_id
            item.shipping_provider_name = package.shipping_provider_name
            item.rts_time = package.shipped_time

    def _publish_status(self, order: Order) -> None:
        status = order.status.value
        if order.status == OrderStatus.CANCELLED:
            status = self._settings.cancelled_webhook_status
        self._publisher.publish(
            self.shop_of(order),
            OrderStatusChange(
                order_id=order.id,
                order_status=status,
                is_on_hold_order=order.is_on_hold_order,
                update_time=order.update_time,
            ),
        )
