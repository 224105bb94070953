"""TikTok Shop activities: thin wrappers over `TikTokShopClient`, with the shop's tokens read from the
store inside the activity so they never enter workflow history.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts
from activities.errors import activity_errors
from creatorflow.aftersales import from_cancellation, from_return
from creatorflow.domain import Label, Rate, same_carrier
from creatorflow.inventory import CatalogSummary, ProductPush, low_stock, plan_stock
from creatorflow.orders import OrderSnapshot, closed_on_tiktok, snapshot_of, state_for_tiktok_status
from creatorflow.shipping.errors import NonRetryableShippingError
from creatorflow.shipping.tiktok_shipping import TikTokShipping
from creatorflow.store import Store
from creatorflow.store.tables import OrderRecord
from creatorflow.sync import ChangePage, ChangeSearch, OrderChange
from creatorflow.tiktok.client import TikTokShopClient, chunks, pages
from creatorflow.tiktok.errors import BusinessError, PackageAlreadyShippedError
from creatorflow.tiktok.models import (
    AfterSaleSearch,
    CancellationPage,
    ItemError,
    Order,
    OrderPage,
    OrderSearch,
    ProductStatus,
    ReturnPage,
    ShopCredentials,
    SkuInventory,
    SplitGroup,
    WarehouseStock,
)

# The largest page each search allows (docs/reference/tiktok-shop-api.md §5.2, §5.6).
ORDER_PAGE_SIZE = 100
AFTERSALE_PAGE_SIZE = 50
# Get Product calls in flight at once while reading package data (the client's limiter paces them).
PACKAGE_READS_AT_ONCE = 10


class TikTokActivities:
    def __init__(self, store: Store, client: TikTokShopClient) -> None:
        self._store = store
        self._client = client
        self._providers: dict[tuple[str, str], dict[str, str]] = {}

    async def _shop(self, shop_id: str) -> ShopCredentials:
        tokens = await asyncio.to_thread(self._store.tokens, shop_id)
        return tokens.credentials()

    async def _order(self, shop: ShopCredentials, order_id: str) -> Order:
        orders = await self._client.get_orders(shop, [order_id])
        if not orders:
            raise ApplicationError(
                f"TikTok has no order {order_id} in shop {shop.shop_id}",
                type=contracts.TIKTOK_REFUSED,
                non_retryable=True,
            )
        return orders[0]

    @activity.defn(name=contracts.FETCH_ORDER.name)
    async def fetch_order(self, ref: contracts.OrderRef) -> OrderSnapshot:
        with activity_errors():
            shop = await self._shop(ref.shop_id)
            return snapshot_of(ref.shop_id, await self._order(shop, ref.order_id))

    @activity.defn(name=contracts.SHIP_PACKAGE.name)
    async def ship_package(self, request: contracts.ShipPackageRequest) -> contracts.ShipPackageResult:
        """Mark the order's package shipped with our carrier's tracking number.

        TikTok has no idempotency key here; a retry after a lost answer gets "already shipped", which is
        success if TikTok holds our tracking number.
        """
        with activity_errors():
            shop = await self._shop(request.shop_id)
            order = await self._order(shop, request.order_id)
            if request.tiktok_label:
                return await self._hand_over(shop, order, request.tracking_number)
            provider_id = await self._provider_id(shop, order.delivery_option_id, request.carrier)
            try:
                shipped = await self._client.mark_package_shipped(
                    shop,
                    request.order_id,
                    tracking_number=request.tracking_number,
                    shipping_provider_id=provider_id,
                    order_line_item_ids=request.order_line_item_ids or None,
                )
            except PackageAlreadyShippedError:
                package_id = _shipped_with(await self._order(shop, request.order_id), request)
                if package_id is None:
                    raise
                return contracts.ShipPackageResult(
                    package_id=package_id, shipping_provider_id=provider_id, already_shipped=True
                )
            return contracts.ShipPackageResult(
                package_id=shipped.package_id, shipping_provider_id=provider_id
            )

    @activity.defn(name=contracts.UPDATE_TRACKING.name)
    async def update_tracking(self, request: contracts.UpdateTrackingRequest) -> None:
        """Replace the tracking number TikTok holds for the package; setting the same number again is
        harmless, so a retry after a lost answer needs no check."""
        with activity_errors():
            shop = await self._shop(request.shop_id)
            order = await self._order(shop, request.order_id)
            provider_id = await self._provider_id(shop, order.delivery_option_id, request.carrier)
            await self._client.update_shipping_info(
                shop,
                request.package_id,
                tracking_number=request.tracking_number,
                shipping_provider_id=provider_id,
            )

    @activity.defn(name=contracts.SPLIT_ORDER.name)
    async def split_order(self, request: contracts.SplitRequest) -> contracts.SplitResult:
        """Split the order into the groups' packages. TikTok takes no idempotency key here: a retry after a
        lost answer finds the order already split so, and answers its packages. TikTok refusing the split
        (`can_split` false, or its packages already differ) parks the order with TikTok's reason."""
        with activity_errors():
            shop = await self._shop(request.shop_id)
            order = await self._order(shop, request.order_id)
            done = _packages_by_group(order, request.groups)
            if done is not None:
                return contracts.SplitResult(package_ids=done)
            if len(order.packages) > 1:
                raise _split_refused(order.id, "TikTok has it in other packages already")
            [attributes] = await self._client.get_split_attributes(shop, [order.id])
            if not attributes.can_split:
                raise _split_refused(order.id, attributes.reason or "TikTok gave no reason")
            groups = [SplitGroup(id=g.group_id, order_line_item_ids=g.line_item_ids) for g in request.groups]
            made = await self._client.split_order(shop, order.id, groups)
        return contracts.SplitResult(package_ids={p.splittable_group_id: p.id for p in made})

    async def _hand_over(
        self, shop: ShopCredentials, order: Order, tracking_number: str
    ) -> contracts.ShipPackageResult:
        """A label TikTok sold us: its package (the one with that tracking number) is handed over to
        TikTok's carrier; TikTok has had the tracking number since it sold the label."""
        for ref in order.packages:
            package = await self._client.get_package(shop, ref.id)
            if package.tracking_number == tracking_number:
                try:
                    await self._client.ship_package(shop, package.id, handover_method="DROP_OFF")
                except PackageAlreadyShippedError:
                    activity.logger.info("package %s was already handed over", package.id)
                return contracts.ShipPackageResult(
                    package_id=package.id, shipping_provider_id=package.shipping_provider_id
                )
        raise ApplicationError(
            f"order {order.id} has no package with TikTok's tracking number {tracking_number}",
            type=contracts.TIKTOK_REFUSED,
            non_retryable=True,
        )

    async def _provider_id(self, shop: ShopCredentials, delivery_option_id: str, carrier: str) -> str:
        """TikTok's id for our carrier, among the providers of the order's delivery option."""
        key = (shop.shop_id, delivery_option_id)
        if key not in self._providers:
            providers = await self._client.get_shipping_providers(shop, delivery_option_id)
            self._providers[key] = {provider.name.lower(): provider.id for provider in providers}
        by_name = self._providers[key]
        for name, provider_id in by_name.items():
            if same_carrier(carrier, name):
                return provider_id
        raise ApplicationError(
            f"carrier {carrier!r} is not a TikTok shipping provider for delivery option "
            f"{delivery_option_id} (known: {', '.join(sorted(by_name)) or 'none'})",
            type=contracts.TIKTOK_REFUSED,
            non_retryable=True,
        )

    @activity.defn(name=contracts.ARRANGE_TIKTOK_SHIPMENT.name)
    async def arrange_tiktok_shipment(self, ref: contracts.OrderRef) -> contracts.TikTokLabel:
        """TikTok shipping: arrange the package with TikTok's carrier, then fetch TikTok's label."""
        with activity_errors():
            shop = await self._shop(ref.shop_id)
            order = await self._order(shop, ref.order_id)
            if not order.packages:
                raise ApplicationError(
                    f"order {ref.order_id} has no package yet",
                    type=contracts.TIKTOK_REFUSED,
                    non_retryable=True,
                )
            package_id = order.packages[0].id
            try:
                await self._client.ship_package(shop, package_id, handover_method="DROP_OFF")
            except PackageAlreadyShippedError:
                activity.logger.info("package %s was already arranged", package_id)
            document = await self._client.get_shipping_document(shop, package_id)
            return contracts.TikTokLabel(
                package_id=package_id, doc_url=document.doc_url, tracking_number=document.tracking_number
            )

    @activity.defn(name=contracts.CANCEL_ORDER.name)
    async def cancel_order(self, request: contracts.CancelOrderRequest) -> None:
        with activity_errors():
            shop = await self._shop(request.shop_id)
            await self._client.cancel_order(shop, request.order_id, cancel_reason=request.reason)

    @activity.defn(name=contracts.FETCH_AFTERSALES.name)
    async def fetch_aftersales(self, ref: contracts.OrderRef) -> contracts.AfterSales:
        """Every cancellation and return request of one order (search by order id, all pages)."""
        with activity_errors():
            shop = await self._shop(ref.shop_id)
            search = AfterSaleSearch(order_ids=[ref.order_id])
            cancellations = [
                from_cancellation(cancellation)
                async for page in pages(
                    lambda token: self._client.search_cancellations(shop, search, page_token=token)
                )
                for cancellation in page.cancellations
            ]
            returns = [
                from_return(request)
                async for page in pages(
                    lambda token: self._client.search_returns(shop, search, page_token=token)
                )
                for request in page.return_orders
            ]
        return contracts.AfterSales(cancellations=cancellations, returns=returns)

    @activity.defn(name=contracts.DECIDE_AFTERSALE.name)
    async def decide_aftersale(self, verdict: contracts.AfterSaleVerdict) -> None:
        """Approve or reject a cancellation or return request, under TikTok's idempotency_key."""
        calls: dict[tuple[str, bool], Callable[..., Awaitable[None]]] = {
            ("cancellation", True): self._client.approve_cancellation,
            ("cancellation", False): self._client.reject_cancellation,
            ("return", True): self._client.approve_return,
            ("return", False): self._client.reject_return,
        }
        options: dict[str, Any] = {"idempotency_key": verdict.idempotency_key}
        if verdict.kind == "return":
            options["decision"] = verdict.decision
        if not verdict.approve:
            options.update(reject_reason=verdict.reject_reason, comment=verdict.comment or None)
        with activity_errors():
            shop = await self._shop(verdict.shop_id)
            await calls[(verdict.kind, verdict.approve)](shop, verdict.request_id, **options)

    @activity.defn(name=contracts.SYNC_CATALOG.name)
    async def sync_catalog(self, request: contracts.CatalogRequest) -> CatalogSummary:
        """The shop's warehouses, and every product, its status, SKUs, stock and package data, into the
        store. Inactive products too: one TikTok or the seller deactivated must be marked so, or its stock
        would still be pushed (and refused)."""
        with activity_errors():
            shop = await self._shop(request.shop_id)
            products = [
                product
                async for page in pages(
                    lambda token: self._client.search_products(
                        shop, status="ALL", page_size=100, page_token=token
                    )
                )
                for product in page.products
            ]
            await self._sync_warehouses(shop, request.shop_id)
        skus = await asyncio.to_thread(self._store.sync_catalog, request.shop_id, products)
        changed = await asyncio.to_thread(
            self._store.products_without_current_package, request.shop_id, products
        )
        await self._read_packages(shop, request.shop_id, changed)
        levels = await asyncio.to_thread(self._store.stock_levels, request.shop_id)
        return CatalogSummary(
            products=len(products),
            skus=skus,
            low_stock=low_stock(levels, request.policy),
        )

    @activity.defn(name=contracts.READ_SHIPMENT_FACTS.name)
    async def read_shipment_facts(self, request: contracts.ShipmentFactsRequest) -> None:
        """An order about to be rated: its products' package data, the warehouse it ships from and the
        carriers its delivery option takes are read now when the store lacks them, so an order for a
        product or warehouse added since the last catalog sync ships from TikTok's data rather than parking,
        and no label is bought from a carrier TikTok would then refuse. For the order's own label, TikTok
        Shipping's quotes for its parcel are kept for the choice that follows (none, when TikTok offers
        none or the parcel cannot be packed: the choice then says why)."""
        shop_id, store = request.shop_id, self._store
        product_ids = sorted({item.product_id for item in request.items if item.product_id})
        missing = await asyncio.to_thread(store.products_without_package, shop_id, product_ids)
        warehouse_known = not request.warehouse_id or await asyncio.to_thread(
            store.knows_warehouse, shop_id, request.warehouse_id
        )
        option = request.delivery_option_id
        carriers_known = (
            not option or await asyncio.to_thread(store.tiktok_carriers, shop_id, option) is not None
        )
        if not (missing or request.quote_tiktok_shipping) and warehouse_known and carriers_known:
            return
        with activity_errors():
            shop = await self._shop(shop_id)
            if not warehouse_known:
                await self._sync_warehouses(shop, shop_id)
            if not carriers_known:
                providers = await self._client.get_shipping_providers(shop, option)
                names = [provider.name for provider in providers]
                await asyncio.to_thread(store.keep_tiktok_carriers, shop_id, option, names)
        await self._read_packages(shop, shop_id, missing)
        if request.quote_tiktok_shipping:
            rates = await self._tiktok_shipping_quotes(shop, request)
            await asyncio.to_thread(store.keep_tiktok_quotes, shop_id, request.order_id, rates)

    async def _tiktok_shipping_quotes(
        self, shop: ShopCredentials, request: contracts.ShipmentFactsRequest
    ) -> list[Rate]:
        try:
            parcel = await asyncio.to_thread(self._store.parcel_for, request.shop_id, request.items)
        except NonRetryableShippingError:
            return []  # PackageUnknown and the like: choose_rate parks the order with the reason
        with activity_errors():
            try:
                return await TikTokShipping(self._client, shop, request.order_id).quote(parcel)
            except BusinessError as refused:  # e.g. none offered: the shop is not signed up, the parcel
                activity.logger.info("TikTok Shipping quotes nothing for this order: %s", refused)
                return []  # an optional quote; the carriers' are weighed without it

    @activity.defn(name=contracts.BUY_TIKTOK_LABEL.name)
    async def buy_tiktok_label(self, request: contracts.BuyTikTokLabelRequest) -> Label:
        """TikTok's label for the chosen TikTok Shipping rate: bought once per order however often this is
        retried (`TikTokShipping.buy` reuses the package that has it), its PDF kept by us because TikTok's
        link lasts 24 hours."""
        rate = request.choice.rate
        with activity_errors():
            parcel = await asyncio.to_thread(self._store.parcel_for, request.shop_id, request.items)
            shop = await self._shop(request.shop_id)
            bought = await TikTokShipping(self._client, shop, request.order_id).buy(rate, parcel)
        await asyncio.to_thread(
            self._store.keep_label_document,
            label_id=bought.package_id,
            shop_id=request.shop_id,
            order_id=request.order_id,
            content_type="application/pdf",
            content=bought.pdf,
        )
        return Label(
            rate=rate,
            label_id=bought.package_id,
            tracking_number=bought.tracking_number,
            label_url=f"label-document:{bought.package_id}",  # `creatorflow labels pdf`: TikTok's expires
            idempotency_key=request.idempotency_key,
            explanation=request.choice.explanation,
        )

    async def _sync_warehouses(self, shop: ShopCredentials, shop_id: str) -> None:
        warehouses = await self._client.get_warehouses(shop)
        await asyncio.to_thread(self._store.sync_warehouses, shop_id, warehouses)

    async def _read_packages(self, shop: ShopCredentials, shop_id: str, product_ids: list[str]) -> None:
        """Package data is on Get Product only: read a batch at a time and keep each batch, so a retried
        read of a large catalog goes on where it was."""
        for batch in chunks(product_ids, PACKAGE_READS_AT_ONCE):
            with activity_errors():
                details = await asyncio.gather(*(self._client.get_product(shop, pid) for pid in batch))
            await asyncio.to_thread(self._store.record_packages, shop_id, details)

    @activity.defn(name=contracts.PUSH_STOCK.name)
    async def push_stock(self, request: contracts.CatalogRequest) -> CatalogSummary:
        """Tell TikTok every changed quantity: one Update Inventory call per product, all its changed SKUs;
        take off sale the products with nothing to offer, and put back those we took off once they have.

        There is no idempotency key here (docs/reference/tiktok-shop-api.md §8), and none is needed: the
        calls set absolute quantities and statuses, so a retry sets the same ones again.
        """
        levels = await asyncio.to_thread(self._store.stock_levels, request.shop_id)
        plan = plan_stock(levels, request.policy)
        low = low_stock(levels, request.policy)
        refused: list[str] = list(plan.unpushable)
        if not plan.deactivate and not plan.pushes:
            return CatalogSummary(low_stock=low, refused=refused)
        pushed = calls = 0
        with activity_errors():
            shop = await self._shop(request.shop_id)
            deactivated = await self._set_on_sale(shop, plan.deactivate, refused, on_sale=False)
            reactivate = [push.product_id for push in plan.pushes if push.activate]
            reactivated = await self._set_on_sale(shop, reactivate, refused, on_sale=True)
            for push in plan.pushes:
                if push.skus and (not push.activate or push.product_id in reactivated):
                    pushed += await self._push_product(shop, push, refused)
                    calls += 1
        if refused:
            activity.logger.warning("TikTok refused stock updates: %s", "; ".join(refused))
        if deactivated:
            activity.logger.warning(
                "shop %s: off sale on TikTok, out of stock: %s", request.shop_id, ", ".join(deactivated)
            )
        return CatalogSummary(
            pushed_skus=pushed,
            push_calls=calls,
            refused=refused,
            deactivated=deactivated,
            reactivated=reactivated,
            low_stock=low,
        )

    async def _set_on_sale(
        self, shop: ShopCredentials, product_ids: list[str], refused: list[str], *, on_sale: bool
    ) -> list[str]:
        """Activate or deactivate products; returns those TikTok took. A deactivation is marked ours in the
        store before TikTok is asked, so a crash in between cannot make it look like the seller's."""
        if not product_ids:
            return []
        if not on_sale:
            await asyncio.to_thread(self._store.flag_stock_deactivation, shop.shop_id, product_ids)
        call = self._client.activate_products if on_sale else self._client.deactivate_products
        taken = self._taken(product_ids, await call(shop, product_ids), "product_id", refused)
        if not on_sale and len(taken) < len(product_ids):
            untaken = sorted(set(product_ids) - set(taken))
            await asyncio.to_thread(self._store.unflag_stock_deactivation, shop.shop_id, untaken)
        status = ProductStatus.ACTIVATE if on_sale else ProductStatus.SELLER_DEACTIVATED
        await asyncio.to_thread(self._store.set_product_status, shop.shop_id, taken, status)
        return taken

    async def _push_product(self, shop: ShopCredentials, push: ProductPush, refused: list[str]) -> int:
        """One Update Inventory call; records what TikTok took and returns how many SKUs that was."""
        errors = await self._client.update_inventory(
            shop,
            push.product_id,
            [
                SkuInventory(
                    id=sku.sku_id,
                    inventory=[
                        WarehouseStock(warehouse_id=stock.warehouse_id, quantity=stock.quantity)
                        for stock in sku.inventory
                    ],
                )
                for sku in push.skus
            ],
        )
        taken = self._taken([sku.sku_id for sku in push.skus], errors, "sku_id", refused)
        for sku in push.skus:
            for stock in sku.inventory if sku.sku_id in taken else []:
                await asyncio.to_thread(
                    self._store.set_tiktok_quantity,
                    shop.shop_id,
                    sku.sku_id,
                    stock.warehouse_id,
                    stock.quantity,
                )
        return len(taken)

    @staticmethod
    def _taken(ids: list[str], errors: list[ItemError], key: str, refused: list[str]) -> list[str]:
        """The ids TikTok took; each one it refused goes to `refused` with its reason."""
        failed = {str(error.detail.get(key, "")): error.message for error in errors}
        refused += [f"{item}: {message}" for item, message in failed.items()]
        return [item for item in ids if item not in failed]

    @activity.defn(name=contracts.SEARCH_CHANGES.name)
    async def search_changes(self, search: ChangeSearch) -> ChangePage:
        """One page of order, return or cancellation search, oldest first, reduced to order changes."""
        with activity_errors():
            shop = await self._shop(search.shop_id)
            times = {f"{search.time_field}_ge": search.ge, f"{search.time_field}_lt": search.lt}
            token = search.page_token or None
            page: OrderPage | ReturnPage | CancellationPage
            if search.kind == "orders":
                page = await self._client.search_orders(
                    shop,
                    OrderSearch.model_validate(times),
                    page_size=ORDER_PAGE_SIZE,
                    page_token=token,
                    sort_field=search.time_field,
                    sort_order="ASC",
                )
                orders, closed = page.orders, []
                if search.closed_after_delivery is not None:
                    closed = await self._record_closed(search.shop_id, orders, search.closed_after_delivery)
                    recorded = {order.id for order in closed}
                    orders = [order for order in orders if order.id not in recorded]
                changes = [_change(o.id, "status", o.id, o.status, o.update_time) for o in orders]
                return ChangePage(
                    changes=changes,
                    closed=[_change(o.id, "status", o.id, o.status, o.update_time) for o in closed],
                    next_page_token=page.next_page_token,
                    total_count=page.total_count,
                )
            else:
                after_sales, size = AfterSaleSearch.model_validate(times), AFTERSALE_PAGE_SIZE
                if search.kind == "returns":
                    page = await self._client.search_returns(
                        shop, after_sales, page_size=size, page_token=token
                    )
                    found = [
                        (r.order_id, r.return_id, r.return_status, r.update_time) for r in page.return_orders
                    ]
                else:
                    page = await self._client.search_cancellations(
                        shop, after_sales, page_size=size, page_token=token
                    )
                    found = [
                        (c.order_id, c.cancel_id, c.cancel_status, c.update_time) for c in page.cancellations
                    ]
                kind: Literal["return", "cancellation"] = (
                    "return" if search.kind == "returns" else "cancellation"
                )
                changes = [
                    _change(order_id, kind, ref_id, status, when) for order_id, ref_id, status, when in found
                ]
            return ChangePage(
                changes=changes, next_page_token=page.next_page_token, total_count=page.total_count
            )

    async def _record_closed(self, shop_id: str, orders: list[Order], window: timedelta) -> list[Order]:
        """The orders TikTok shows closed, recorded in the store in one transaction from the search page
        itself (no detail call), unless already there."""
        now = int(time.time())
        closed = [order for order in orders if closed_on_tiktok(order, now, window)]
        records = [_closed_record(shop_id, order) for order in closed]
        await asyncio.to_thread(self._store.insert_orders, records)
        return closed


def _closed_record(shop_id: str, order: Order) -> OrderRecord:
    state = state_for_tiktok_status(order.status)
    assert state is not None  # closed_on_tiktok accepts only statuses we know
    ship_by = datetime.fromtimestamp(order.rts_sla_time, UTC) if order.rts_sla_time else None
    return OrderRecord(
        shop_id=shop_id,
        order_id=order.id,
        state=state.value,
        tiktok_status=order.status,
        tiktok_update_time=order.update_time,
        carrier=order.shipping_provider,
        tracking_number=order.tracking_number,
        ship_by=ship_by,
    )


def _change(
    order_id: str,
    kind: Literal["status", "return", "cancellation"],
    ref_id: str,
    status: str,
    update_time: int,
) -> OrderChange:
    return OrderChange(
        order_id=order_id, kind=kind, ref_id=ref_id, tiktok_status=status, update_time=update_time
    )


def _shipped_with(order: Order, request: contracts.ShipPackageRequest) -> str | None:
    """The package TikTok shipped with our tracking number (a ship call whose answer was lost), if any."""
    if not request.order_line_item_ids:
        if order.tracking_number != request.tracking_number:
            return None
        return order.packages[0].id if order.packages else ""
    items = [item for item in order.line_items if item.id in request.order_line_item_ids]
    if not items or any(item.tracking_number != request.tracking_number for item in items):
        return None
    return items[0].package_id


def _packages_by_group(order: Order, groups: list[contracts.SplitGroupRequest]) -> dict[str, str] | None:
    """Each group's package, if TikTok has the order in exactly these packages already; else None."""
    held: dict[str, set[str]] = {}
    for item in order.line_items:
        held.setdefault(item.package_id, set()).add(item.id)
    owner = {frozenset(ids): package_id for package_id, ids in held.items()}
    found = {group.group_id: owner.get(frozenset(group.line_item_ids)) for group in groups}
    if len(held) != len(groups) or None in found.values():
        return None
    return {group_id: package_id for group_id, package_id in found.items() if package_id is not None}


def _split_refused(order_id: str, reason: str) -> ApplicationError:
    return ApplicationError(
        f"the order's items need several boxes and TikTok will not split order {order_id}: {reason}",
        type=contracts.SPLIT_NEEDED,
        non_retryable=True,
    )
