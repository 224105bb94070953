"""Packages on their way: shipping by the seller or by TikTok, labels, and the carrier's scans (§5.3).

- Seller Shipping: Mark Package As Shipped (or Ship Package with `self_shipment`) with the tracking number of
  a label bought elsewhere, from one of the delivery option's shipping providers.
- TikTok Shipping: TikTok assigns the tracking number when it first makes the label (the shipping document),
  and Ship Package just hands the parcel over.
- Shipping a package twice is 21011040; a tracking number another package already uses is 21011025.
- Marking a subset of an order's line items shipped splits them into a package of their own (type-4 webhook,
  `sc_type` SPLIT); the order is PARTIALLY_SHIPPING until every package has shipped.
- The order reaches IN_TRANSIT only at the carrier's first scan, which is when TikTok counts it dispatched.
- TikTok Shipping bought by the seller (US Create Packages): a SELLER-shipped order awaiting shipment is
  quoted TikTok's services for the package described (`world_shipping_services`) and may buy one label,
  which makes its package TikTok-shipped, with TikTok's tracking number and carrier; a second is 21022025.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from emulators.tiktok import world_shipping_services as tiktok_shipping
from emulators.tiktok.webhook_events import PackageOrders, PackageUpdate
from emulators.tiktok.wire_errors import ApiError, Code, Conflict, EmulatorCode, invalid_request, owned_by
from emulators.tiktok.wire_models import (
    SHIPPABLE,
    HandoverMethod,
    Order,
    OrderStatus,
    Package,
    PackageRef,
    PackageStatus,
    ShippingProvider,
    ShippingType,
    Shop,
    TrackingEvent,
    money,
)
from emulators.tiktok.wire_schemas import PackageDimensionBody, PackageWeightBody
from emulators.tiktok.world_catalog import Catalog
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_orders import FBT, OrderBook
from emulators.tiktok.world_regions import UNDELIVERABLE_ADDRESS, region

# TikTok Shipping labels in the US are USPS labels with TikTok-assigned tracking numbers.
TIKTOK_SHIPPING_CARRIER = ShippingProvider(id="", name="USPS")
SHIPPED = frozenset(
    {
        OrderStatus.PARTIALLY_SHIPPING,
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)


@dataclass(frozen=True)
class PricedService:
    service: tiktok_shipping.TikTokService
    price: Decimal
    currency: str
    is_default: bool


class Fulfillment(WorldPart):
    def __init__(self, context: WorldContext, catalog: Catalog, orders: OrderBook) -> None:
        super().__init__(context)
        self._catalog = catalog
        self._orders = orders

    def package(self, shop: Shop, package_id: str) -> Package:
        message = f"Package {package_id} does not belong to this seller."
        return owned_by(shop.id, self._orders.packages.get(package_id), Code.NOT_SELLERS_ORDER, message)

    def tracking(self, order: Order) -> list[TrackingEvent]:
        """All packages' carrier events, newest first."""
        events = [event for package in self._orders.packages_of(order) for event in package.tracking]
        return sorted(events, key=lambda e: e.update_time_millis, reverse=True)

    # --- the seller's side ---------------------------------------------------------------------------------

    def mark_shipped(
        self,
        shop: Shop,
        order_id: str,
        tracking_number: str,
        provider_id: str,
        line_item_ids: list[str] | None,
    ) -> Package:
        """Mark Package As Shipped: the seller bought the label elsewhere and uploads its tracking number."""
        order = self._orders.order(shop, order_id)
        _require_seller_fulfilled(order)
        if order.shipping_type != ShippingType.SELLER:
            raise ApiError(
                EmulatorCode.SHIPPED_BY_TIKTOK,
                f"Order {order.id} uses TikTok Shipping: call Ship Package and fetch its shipping document.",
            )
        package = self._package_to_ship(order, line_item_ids)
        if package.shipping_type == ShippingType.TIKTOK:
            raise ApiError(
                EmulatorCode.SHIPPED_BY_TIKTOK,
                f"Package {package.id} has TikTok's label: call Ship Package to hand it over.",
            )
        self._ship(order, package, tracking_number, self._provider(shop, package, provider_id))
        return package

    def ship_package(
        self,
        shop: Shop,
        package_id: str,
        handover_method: HandoverMethod,
        tracking_number: str | None,
        provider_id: str | None,
    ) -> Package:
        """Ship Package: TikTok assigns the tracking number for TikTok Shipping; sellers send their own."""
        package = self.package(shop, package_id)
        order = self._orders.orders[package.order_id]
        _require_seller_fulfilled(order)
        _require_unshipped(order, package)
        option = self._catalog.delivery_option(shop, package.delivery_option_id)
        if option.sent_by_seller and package.shipping_type == ShippingType.SELLER:
            if tracking_number is None or provider_id is None:
                raise invalid_request(
                    "self_shipment is required: this package's delivery option is SEND_BY_SELLER."
                )
            carrier = self._provider(shop, package, provider_id)
        else:
            tracking_number = self._tiktok_tracking_number(package)
            carrier = tiktok_carrier(package)
        package.handover_method = handover_method
        self._ship(order, package, tracking_number, carrier)
        return package

    def shipping_document(self, shop: Shop, package_id: str) -> Package:
        """A package's TikTok Shipping label; TikTok assigns its tracking number when it first makes it."""
        package = self.package(shop, package_id)
        if package.shipping_type != ShippingType.TIKTOK:
            raise ApiError(
                Code.NOT_TIKTOK_SHIPPING,
                "Shipping documents exist only for TikTok Shipping packages; the seller ships this one.",
            )
        order = self._orders.orders[package.order_id]
        if order.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            raise ApiError(
                EmulatorCode.DOCUMENT_NOT_READY, f"No shipping label while the order is {order.status}."
            )
        self._tiktok_tracking_number(package)
        return package

    # --- TikTok Shipping bought by the seller ---------------------------------------------------------------

    def eligible_services(
        self,
        shop: Shop,
        order_id: str,
        weight: PackageWeightBody | None,
        dimension: PackageDimensionBody | None,
    ) -> list[PricedService]:
        """Get Eligible Shipping Service: TikTok's services for this package, priced in the shop's money."""
        order = self._orders.order(shop, order_id)
        _require_label_purchasable(order)
        return self._quote(shop, order, weight, dimension)

    def create_package(
        self,
        shop: Shop,
        order_id: str,
        service_id: str | None,
        weight: PackageWeightBody | None,
        dimension: PackageDimensionBody | None,
    ) -> tuple[Package, PricedService]:
        """Create Packages: sell TikTok's label for the order's package; one label per order."""
        order = self._orders.order(shop, order_id)
        _require_seller_fulfilled(order)
        _require_label_purchasable(order)
        labelled = next(
            (p for p in self._orders.packages_of(order) if p.shipping_type == ShippingType.TIKTOK), None
        )
        if labelled is not None:
            raise ApiError(
                Code.LABEL_ALREADY_PURCHASED,
                f"A shipping label has already been purchased: package {labelled.id} of order {order.id}.",
            )
        quotes = self._quote(shop, order, weight, dimension)
        wanted = next(
            (q for q in quotes if q.service.id == service_id or (service_id is None and q.is_default)), None
        )
        if wanted is None:
            raise ApiError(
                Code.SHIPPING_SERVICE_NOT_FOUND, f"create label shipping service not found: {service_id}"
            )
        package = self._package_to_ship(order, None)
        package.shipping_type = ShippingType.TIKTOK
        package.shipping_provider_id = wanted.service.provider_id
        package.shipping_provider_name = wanted.service.provider_name
        package.update_time = self._clock.now()
        package.label_price = money(wanted.price)
        self._tiktok_tracking_number(package)
        return package, wanted

    def _quote(
        self,
        shop: Shop,
        order: Order,
        weight: PackageWeightBody | None,
        dimension: PackageDimensionBody | None,
    ) -> list[PricedService]:
        if weight is None:
            raise ApiError(
                Code.INVALID_PARAMETERS, "Invalid parameters: the emulator prices by the weight sent."
            )
        address = order.recipient_address
        if not shop.tiktok_shipping:
            raise ApiError(
                Code.NO_SHIPPING_SERVICE,
                "There are no available shipping services for this request: the shop has not signed up "
                "for TikTok Shipping.",
            )
        too_long = (
            dimension is not None
            and tiktok_shipping.longest_side_in(
                (dimension.length, dimension.width, dimension.height), dimension.unit
            )
            > tiktok_shipping.LONGEST_SIDE_IN
        )
        if address is None or address.postal_code == UNDELIVERABLE_ADDRESS[1].postal_code or too_long:
            raise ApiError(
                Code.NO_SHIPPING_SERVICE,
                "There are no available shipping services for this request. Please modify the package "
                "weight, or double check the recipient address.",
            )
        origin = self._catalog.sales_warehouse(shop, order.warehouse_id).address.postal_code
        band = tiktok_shipping.distance_band(shop.region, origin, address.postal_code)
        quotes = tiktok_shipping.quote(shop.region, tiktok_shipping.grams(weight.value, weight.unit), band)
        currency = region(shop.region).currency
        return [
            PricedService(service, price, currency, is_default=index == 0)
            for index, (service, price) in enumerate(quotes)
        ]

    def fbt_ship(self, order: Order) -> None:
        """TikTok's fulfillment center ships an FBT order with TikTok's carrier (AWAITING_COLLECTION)."""
        if order.fulfillment_type != FBT:
            raise Conflict(f"order {order.id} is fulfilled by the seller, not by TikTok")
        self._orders.require(order, {OrderStatus.AWAITING_SHIPMENT}, "ship")
        self.ship_whole(order)

    def update_shipping_info(
        self, shop: Shop, package_id: str, tracking_number: str, provider_id: str
    ) -> None:
        """Update Package Shipping Info: the seller replaces the label of a package it shipped itself (the
        buyer moved, say), which TikTok allows until the carrier has collected the package."""
        package = self.package(shop, package_id)
        order = self._orders.orders[package.order_id]
        if package.shipping_type == ShippingType.TIKTOK:
            raise ApiError(
                EmulatorCode.SHIPPED_BY_TIKTOK,
                f"Package {package.id} has TikTok's label: TikTok keeps its tracking number.",
            )
        if package.shipped_time is None:
            raise ApiError(
                EmulatorCode.PACKAGE_NOT_SHIPPED,
                f"Package {package.id} is not shipped: mark it shipped with its tracking number first.",
            )
        if order.collection_time is not None:
            raise ApiError(
                EmulatorCode.PACKAGE_COLLECTED,
                f"Package {package.id} is with the carrier already: its tracking number cannot change.",
            )
        carrier = self._provider(shop, package, provider_id)
        self._require_free(tracking_number, package)
        replaced = package.tracking_number
        package.tracking_number = tracking_number
        package.shipping_provider_id = carrier.id
        package.shipping_provider_name = carrier.name
        package.update_time = self._clock.now()
        self._record(package, "Seller updated the tracking number")
        if order.tracking_number == replaced:
            order.tracking_number = tracking_number
            order.shipping_provider = carrier.name
            order.shipping_provider_id = carrier.id
        order.update_time = package.update_time

    def ship_whole(self, order: Order) -> None:
        """Ship an order's single package with the first carrier it may use (backfilled history)."""
        package = self._orders.packages_of(order)[0]
        option = self._catalog.delivery_option(self._orders.shop_of(order), package.delivery_option_id)
        carrier = option.shipping_providers[0] if option.sent_by_seller else TIKTOK_SHIPPING_CARRIER
        self._ship(order, package, self._tiktok_tracking_number(package), carrier)

    def _package_to_ship(self, order: Order, line_item_ids: list[str] | None) -> Package:
        packages = self._orders.packages_of(order)
        if line_item_ids is None:
            unshipped = [
                p for p in packages if p.shipped_time is None and p.status != PackageStatus.CANCELLED
            ]
            if len(unshipped) > 1:
                raise ApiError(
                    EmulatorCode.LINE_ITEMS_REQUIRED,
                    f"Order {order.id} has several packages to ship: say which with order_line_item_ids.",
                )
            package = unshipped[0] if unshipped else packages[0]
            _require_unshipped(order, package)
            return package
        owner = {item_id: package for package in packages for item_id in package.line_item_ids}
        strangers = [item_id for item_id in line_item_ids if item_id not in owner]
        if strangers:
            raise invalid_request(f"order_line_item_ids {strangers} are not line items of order {order.id}.")
        chosen = {owner[item_id].id: owner[item_id] for item_id in line_item_ids}
        if len(chosen) > 1:
            raise invalid_request("order_line_item_ids must all come from one package.")
        package = next(iter(chosen.values()))
        _require_unshipped(order, package)
        if set(line_item_ids) == set(package.line_item_ids):
            return package
        return self._split(order, package, line_item_ids)

    def _split(self, order: Order, package: Package, line_item_ids: list[str]) -> Package:
        now = self._clock.now()
        package.line_item_ids = [i for i in package.line_item_ids if i not in line_item_ids]
        package.split_and_combine_tag = "SPLIT"
        package.update_time = now
        part = package.model_copy(
            update={"id": self._ids.numeric("1153"), "line_item_ids": list(line_item_ids), "create_time": now}
        )
        self._orders.packages[part.id] = part
        order.packages.append(PackageRef(id=part.id))
        for item in order.line_items:
            if item.id in line_item_ids:
                item.package_id = part.id
        order.update_time = now
        self._publisher.publish(
            self._orders.shop_of(order),
            PackageUpdate(
                sc_type="SPLIT",
                role_type="ROLE_SELLER",
                package_list=[
                    PackageOrders(package_id=p.id, order_id_list=[order.id]) for p in (package, part)
                ],
                update_time=now,
            ),
        )
        return part

    def _ship(self, order: Order, package: Package, tracking_number: str, carrier: ShippingProvider) -> None:
        self._require_free(tracking_number, package)
        now = self._clock.now()
        package.tracking_number = tracking_number
        package.shipping_provider_id = carrier.id
        package.shipping_provider_name = carrier.name
        package.shipped_time = now
        package.update_time = now
        self._record(package, "Seller has shipped your package")
        for shipped in [self._orders.orders[order_id] for order_id in package.order_ids]:  # all, if combined
            shipped.rts_time = shipped.rts_time or now
            shipped.tracking_number = shipped.tracking_number or tracking_number
            shipped.shipping_provider = shipped.shipping_provider or carrier.name
            shipped.shipping_provider_id = shipped.shipping_provider_id or carrier.id
            live = [p for p in self._orders.packages_of(shipped) if p.status != PackageStatus.CANCELLED]
            all_shipped = all(p.shipped_time is not None for p in live)
            self._orders.set_status(
                shipped, OrderStatus.AWAITING_COLLECTION if all_shipped else OrderStatus.PARTIALLY_SHIPPING
            )

    def _require_free(self, tracking_number: str, package: Package) -> None:
        """A tracking number names one package."""
        taken_by = next(
            (
                p
                for p in self._orders.packages.values()
                if p.tracking_number == tracking_number and p is not package
            ),
            None,
        )
        if taken_by is not None:
            raise ApiError(
                Code.DUPLICATE_TRACKING_NUMBER,
                f"Duplicate tracking number: {tracking_number} is already used by package {taken_by.id}.",
            )

    def _provider(self, shop: Shop, package: Package, provider_id: str) -> ShippingProvider:
        option = self._catalog.delivery_option(shop, package.delivery_option_id)
        provider = next((p for p in option.shipping_providers if p.id == provider_id), None)
        if provider is None:
            raise ApiError(
                EmulatorCode.UNKNOWN_SHIPPING_PROVIDER,
                f"Shipping provider {provider_id} is not offered by delivery option {option.id}; "
                "list them with Get Shipping Providers.",
            )
        return provider

    def _tiktok_tracking_number(self, package: Package) -> str:
        if not package.tracking_number:
            package.tracking_number = self._ids.numeric("9400", 22)
        return package.tracking_number

    # --- the carrier's side --------------------------------------------------------------------------------

    def carrier_scan(self, order: Order) -> None:
        """The carrier's first scan of every package: only now does TikTok count the order as dispatched."""
        self._orders.require(order, {OrderStatus.AWAITING_COLLECTION}, "scan")
        order.collection_time = self._clock.now()
        self._advance_packages(order, PackageStatus.FULFILLING, "Package picked up by the carrier")
        self._orders.set_status(order, OrderStatus.IN_TRANSIT)

    def deliver(self, order: Order) -> None:
        self._orders.require(order, {OrderStatus.IN_TRANSIT}, "deliver")
        order.delivery_time = self._clock.now()
        self._advance_packages(order, PackageStatus.COMPLETED, "Package delivered")
        self._orders.set_status(order, OrderStatus.DELIVERED)

    def _advance_packages(self, order: Order, status: PackageStatus, description: str) -> None:
        for package in self._orders.packages_of(order):
            if package.status != PackageStatus.CANCELLED:
                package.status = status
                package.update_time = self._clock.now()
                self._record(package, description)

    def _record(self, package: Package, description: str) -> None:
        package.tracking.append(
            TrackingEvent(description=description, update_time_millis=self._clock.now_millis())
        )


def tiktok_carrier(package: Package) -> ShippingProvider:
    """Who moves a TikTok-shipped package: the carrier of the label the seller bought, if any."""
    if package.shipping_provider_name:
        return ShippingProvider(id=package.shipping_provider_id, name=package.shipping_provider_name)
    return TIKTOK_SHIPPING_CARRIER


def _require_label_purchasable(order: Order) -> None:
    """TikTok sells labels for SELLER-shipped orders awaiting shipment only."""
    if order.shipping_type != ShippingType.SELLER:
        raise ApiError(
            Code.FULFILLED_BY_PLATFORM, f"Order {order.id} already uses TikTok Shipping: fetch its document."
        )
    if order.status in SHIPPED:
        raise ApiError(Code.ORDERS_ALREADY_SHIPPED, "These orders are already shipped.")
    if order.status != OrderStatus.AWAITING_SHIPMENT:
        raise ApiError(
            Code.ACTION_NOT_ALLOWED, f"fulfill_unit action not allowed: order {order.id} is {order.status}."
        )


def _require_seller_fulfilled(order: Order) -> None:
    if order.fulfillment_type == FBT:
        raise ApiError(
            EmulatorCode.FULFILLED_BY_TIKTOK,
            f"Order {order.id} is fulfilled by TikTok (FBT): TikTok ships it, the seller cannot.",
        )


def _require_unshipped(order: Order, package: Package) -> None:
    if package.shipped_time is not None:
        raise ApiError(Code.PACKAGE_ALREADY_SHIPPED, f"Package has already been shipped: {package.id}.")
    if order.status not in SHIPPABLE:
        raise ApiError(
            EmulatorCode.ORDER_NOT_READY_TO_SHIP,
            f"Order {order.id} is {order.status}; it ships from AWAITING_SHIPMENT or PARTIALLY_SHIPPING.",
        )
