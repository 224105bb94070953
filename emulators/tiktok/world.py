"""The whole emulated TikTok Shop: one object that owns the clock and the parts (catalog, authorizations,
orders, fulfillment, after-sales, finance), and wires each part's changes to the webhook publisher.

State changes happen only on the server's event loop: every route is `async` and every method here is
synchronous, so each API or admin call changes the world atomically without locks. The background task
`run_transitions` applies the changes TikTok makes on its own as (world) time passes.

A World pickles as plain data (`saved_state`), all but where it publishes to: a restored one is given
that again with `reconnect`. Its clock is wall time plus an offset, so world time went on while it was
saved, as TikTok's would.
"""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from emulators.tiktok.settings import WorldSettings
from emulators.tiktok.webhook_events import DeliverFn, Publisher
from emulators.tiktok.wire_errors import Conflict
from emulators.tiktok.wire_models import (
    Order,
    OrderStatus,
    PackageDimensions,
    PackageWeight,
    Role,
    ShippingType,
    Shop,
)
from emulators.tiktok.world_aftersales import AfterSales
from emulators.tiktok.world_authorizations import Authorizations
from emulators.tiktok.world_catalog import Catalog, NewSku
from emulators.tiktok.world_clock import Clock
from emulators.tiktok.world_combines import Combines
from emulators.tiktok.world_context import WorldContext
from emulators.tiktok.world_finance import Finance
from emulators.tiktok.world_fulfillment import Fulfillment
from emulators.tiktok.world_ids import IdFactory
from emulators.tiktok.world_orders import OrderBook, OrderLine
from emulators.tiktok.world_splits import Splits


class World:
    def __init__(self, settings: WorldSettings, deliver: DeliverFn, seed: int | None = None) -> None:
        rng = random.Random(seed)
        self.clock = Clock()
        ids = IdFactory(rng)
        self._publisher = Publisher(self.clock, ids, deliver)
        context = WorldContext(settings, self.clock, ids, rng, self._publisher)
        self.catalog = Catalog(context)
        self.auth = Authorizations(context, self.catalog)
        self.orders = OrderBook(context, self.catalog)
        self.fulfillment = Fulfillment(context, self.catalog, self.orders)
        self.splits = Splits(context, self.catalog, self.orders)
        self.combines = Combines(context, self.orders)
        self.aftersales = AfterSales(context, self.catalog, self.orders)
        self.finance = Finance(context, self.orders, self.aftersales)

    def reconnect(self, deliver: DeliverFn) -> None:
        """Publish to `deliver` from now on: a world restored from a saved state has no one to tell yet."""
        self._publisher.reconnect(deliver)

    def advance_clock(self, seconds: float) -> int:
        """Jump world time ahead and apply at once whatever became due (holds ending, orders completing)."""
        now = self.clock.advance(seconds)
        self.orders.apply_due_transitions()
        return now

    def backfill(
        self,
        shop: Shop,
        lines: list[OrderLine],
        shipping_type: ShippingType,
        status: OrderStatus,
        create_time: int,
        update_time: int,
        warehouse_id: str | None = None,
    ) -> Order:
        """An order from before anyone listened: walked to `status` without webhooks, then dated back."""
        if status == OrderStatus.PARTIALLY_SHIPPING:
            raise Conflict("backfill cannot make PARTIALLY_SHIPPING orders: create one and ship part of it")
        orders, fulfillment = self.orders, self.fulfillment
        with self._publisher.muted():
            order = orders.place(shop, lines, shipping_type, warehouse_id=warehouse_id)
            if status == OrderStatus.CANCELLED:
                orders.cancel(order, Role.BUYER, "Buyer changed their mind")
            life = (orders.pay, orders.release_hold, fulfillment.ship_whole, fulfillment.carrier_scan)
            steps = iter((*life, fulfillment.deliver, orders.complete))
            while order.status != status:
                next(steps)(order)
        orders.date_back(order, create_time, update_time)
        return order

    async def run_transitions(self, every_seconds: float) -> None:
        while True:
            self.orders.apply_due_transitions()
            await asyncio.sleep(every_seconds)


def seed_demo(world: World) -> None:
    """A seller with two shops, products in stock and a few orders: something to show on a fresh start."""
    seller = world.catalog.create_seller("Demo Seller", "US", shop_count=2)
    for shop in world.catalog.shops_of(seller.id):
        tees = [NewSku(f"TEE-{size}", Decimal("19.99"), stock=1000, variant=size) for size in "SML"]
        tee = world.catalog.create_product(
            shop, "Everyday Cotton Tee", tees, package=_package("0.4", ("10", "8", "1"))
        )
        bottle = world.catalog.create_product(
            shop,
            "Trail Water Bottle",
            [NewSku("BTL-1L", Decimal("24.50"), 1000)],
            package=_package("1.1", ("11", "4", "4")),
        )
        ready_to_ship = [(tee.skus[0], ShippingType.SELLER), (bottle.skus[0], ShippingType.SELLER)]
        for sku, shipping_type in ready_to_ship:
            world.orders.pay(world.orders.place(shop, [OrderLine(sku.id, 1)], shipping_type, on_hold=False))
        world.orders.pay(world.orders.place(shop, [OrderLine(tee.skus[1].id, 1)], ShippingType.TIKTOK))


def _package(pounds: str, inches: tuple[str, str, str]) -> tuple[PackageWeight, PackageDimensions]:
    length, width, height = inches
    return (
        PackageWeight(value=pounds, unit="POUND"),
        PackageDimensions(length=length, width=width, height=height, unit="INCH"),
    )
