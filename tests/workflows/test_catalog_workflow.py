"""CatalogWorkflow with its real activities and onboarding against the TikTok emulator over HTTP: the
low-stock alert raised and cleared, a product taken off sale at 0 and put back on restock, the catalog
synced on connect and on its schedule (a time-skipping server), and stock pushes held to the client's rate
limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from creatorflow.inventory import CatalogChange, InventoryPolicy, StockLevel
from creatorflow.names import catalog_workflow_id, shop_workflow_id
from creatorflow.shops import ShopPolicy
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import Product
from devstack.polling import eventually
from tests.rates import busiest_second
from tests.workflows.conftest import World, low_stock_alert
from workers.catalog import signal_catalog
from workers.worker import build_workers, running_workers
from workflows.catalog import CatalogWorkflow

# Only what a test triggers happens in real time: pushes come hourly, syncs every six hours.
POLICY = InventoryPolicy(
    safety_buffer=5,
    low_stock_threshold=10,
    push_interval=timedelta(hours=1),
    sync_interval=timedelta(hours=6),
)
INVENTORY_UPDATES = "/product/202309/products/*/inventory/update"


@dataclass
class ConnectedShop:
    shop_id: str
    world: World
    client: Client

    async def levels(self) -> dict[str, StockLevel]:
        """The store's stock per seller SKU."""
        levels = await asyncio.to_thread(self.world.store.stock_levels, self.shop_id)
        return {level.seller_sku: level for level in levels}

    async def count(self, seller_sku: str, on_hand: int) -> None:
        """An operator's stock count (`creatorflow inventory set`), told to the catalog workflow."""
        level = (await self.levels())[seller_sku]
        await asyncio.to_thread(
            self.world.store.set_on_hand, self.shop_id, level.sku_id, level.warehouse_id, on_hand
        )
        change = CatalogChange(source="operator", resync=False)
        await signal_catalog(self.client, self.shop_id, POLICY, change)


@contextlib.asynccontextmanager
async def connect(
    world: World,
    client: Client,
    tiktok: TikTokShopClient,
    products: dict[str, int],
    second_warehouse: dict[str, int] | None = None,
) -> AsyncIterator[ConnectedShop]:
    """A seller with one single-SKU product per seller SKU (stock as given; `second_warehouse`: the SKUs
    also stocked in a second sales warehouse, with their stock there) connects through our onboarding,
    with the real workers running; both shop workflows end with the test."""
    seller = await world.control.create_seller("Catalog Seller")
    shop_id = seller.shops[0].id
    second = (await world.control.add_warehouse(shop_id)).id if second_warehouse else ""
    for seller_sku, stock in products.items():
        sku: dict[str, Any] = {"seller_sku": seller_sku, "price": "12.00", "stock": stock}
        created = await world.control.create_product(shop_id, f"Product {seller_sku}", [sku])
        if second_warehouse and seller_sku in second_warehouse:
            await world.control.stock_sku_in(
                shop_id, created.skus[0].id, second, second_warehouse[seller_sku]
            )
    async with running_workers(build_workers(client, world.settings, world.store, tiktok)):
        await world.connect(client, ShopPolicy(), seller.id, POLICY)
        yield ConnectedShop(shop_id, world, client)
        for workflow_id in (catalog_workflow_id(shop_id), shop_workflow_id(shop_id)):
            await client.get_workflow_handle(workflow_id).terminate("test over")


@pytest.fixture
async def shop(world: World, temporal_client: Client) -> AsyncIterator[ConnectedShop]:
    async with connect(world, temporal_client, world.tiktok, {"LIP-1": 50, "LIP-2": 200}) as connected:
        yield connected


async def test_low_stock_raises_the_alert_and_a_restock_clears_it(
    shop: ConnectedShop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    synced = await eventually(shop.levels, lambda levels: levels.get("LIP-1", None) is not None)
    assert synced["LIP-1"].on_hand == 50
    await eventually(lambda: low_stock_alert(shop.client, shop.shop_id), lambda low: low is False)

    await shop.count("LIP-1", 10)  # at the threshold: TikTok is told 10 - 5
    await eventually(shop.levels, lambda levels: levels["LIP-1"].tiktok_quantity == 5)
    assert await eventually(lambda: low_stock_alert(shop.client, shop.shop_id), lambda low: low is True)
    query = f"LowStock = true AND ShopId = '{shop.shop_id}'"
    assert await eventually(lambda: shop.client.count_workflows(query), lambda found: found.count == 1)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"shop {shop.shop_id} low on stock: LIP-1" in line for line in warnings), warnings
    assert not any("LIP-2" in line for line in warnings)

    await shop.count("LIP-1", 11)  # one above: the alert clears
    await eventually(shop.levels, lambda levels: levels["LIP-1"].tiktok_quantity == 6)
    await eventually(lambda: low_stock_alert(shop.client, shop.shop_id), lambda low: low is False)


async def test_a_product_with_no_stock_goes_off_sale_on_tiktok_and_comes_back_when_restocked(
    shop: ConnectedShop,
) -> None:
    control, store = shop.world.control, shop.world.store
    synced = await eventually(
        shop.levels, lambda levels: "LIP-1" in levels and levels["LIP-1"].tiktok_quantity == 45
    )
    lip = synced["LIP-1"]
    credentials = (await asyncio.to_thread(store.tokens, shop.shop_id)).credentials()

    async def on_tiktok() -> Product:
        return await shop.world.tiktok.get_product(credentials, lip.product_id)

    await shop.count("LIP-1", 0)  # TikTok cannot be told 0: the product goes off sale instead
    await eventually(on_tiktok, lambda product: product.status == "SELLER_DEACTIVATED")
    with pytest.raises(RuntimeError, match="cannot order"):
        await control.create_orders(shop.shop_id, lip.sku_id)

    await shop.count("LIP-1", 10)  # 10 on the shelf, 5 of them the safety buffer
    levels = await eventually(shop.levels, lambda levels: levels["LIP-1"].tiktok_quantity == 5)
    assert levels["LIP-1"].active and not levels["LIP-1"].stock_deactivated
    back = await on_tiktok()
    assert (back.status, back.skus[0].inventory[0].quantity) == ("ACTIVATE", 5)
    assert len(await control.create_orders(shop.shop_id, lip.sku_id)) == 1
    assert levels["LIP-2"].active and levels["LIP-2"].tiktok_quantity == 195  # never left


@pytest.fixture
async def two_warehouse_shop(world: World, temporal_client: Client) -> AsyncIterator[ConnectedShop]:
    async with connect(
        world, temporal_client, world.tiktok, {"DUO": 30}, second_warehouse={"DUO": 20}
    ) as shop:
        yield shop


async def test_a_sku_in_two_warehouses_is_counted_and_pushed_per_warehouse(
    two_warehouse_shop: ConnectedShop,
) -> None:
    shop = two_warehouse_shop
    store, tiktok = shop.world.store, shop.world.tiktok

    async def rows() -> dict[str, StockLevel]:
        """DUO's stock by warehouse."""
        return {
            level.warehouse_id: level for level in await asyncio.to_thread(store.stock_levels, shop.shop_id)
        }

    async def on_tiktok(product_id: str) -> dict[str, int]:
        credentials = (await asyncio.to_thread(store.tokens, shop.shop_id)).credentials()
        product = await tiktok.get_product(credentials, product_id)
        return {level.warehouse_id: level.quantity for level in product.skus[0].inventory}

    # The first push after the sync keeps the buffer back in each warehouse, in one call naming both.
    synced = await eventually(
        rows,
        lambda found: (
            len(found) == 2 and all(level.tiktok_quantity == level.on_hand - 5 for level in found.values())
        ),
    )
    first, second = sorted(synced, key=lambda warehouse: -synced[warehouse].on_hand)  # 30, then 20
    assert (synced[first].on_hand, synced[second].on_hand) == (30, 20)
    product_id = synced[first].product_id
    assert await on_tiktok(product_id) == {first: 25, second: 15}

    # An operator counts 50 in the second warehouse: TikTok hears it there, the first one unchanged.
    await asyncio.to_thread(store.set_on_hand, shop.shop_id, synced[second].sku_id, second, 50)
    await signal_catalog(shop.client, shop.shop_id, POLICY, CatalogChange(source="operator", resync=False))
    await eventually(rows, lambda found: found[second].tiktok_quantity == 45)
    assert await on_tiktok(product_id) == {first: 25, second: 45}


@pytest.fixture
async def scheduled_shop(world: World, skipping_env: WorkflowEnvironment) -> AsyncIterator[ConnectedShop]:
    async with connect(world, skipping_env.client, world.tiktok, {"SERUM": 40}) as connected:
        yield connected


async def test_the_catalog_is_synced_on_connect_and_again_every_sync_interval(
    scheduled_shop: ConnectedShop, skipping_env: WorkflowEnvironment
) -> None:
    shop, control = scheduled_shop, scheduled_shop.world.control
    handle = shop.client.get_workflow_handle_for(CatalogWorkflow.run, catalog_workflow_id(shop.shop_id))
    on_connect = await eventually(shop.levels, lambda levels: "SERUM" in levels)
    assert on_connect["SERUM"].active
    first = await eventually(
        lambda: handle.query(CatalogWorkflow.state), lambda state: state.last_sync is not None
    )
    assert first.last_sync is not None and first.last_sync.at is not None

    # The seller lists a new product and pauses the old one in Seller Center; no webhook reaches us.
    toner = {"seller_sku": "TONER", "price": "9.00", "stock": 70}
    await control.create_product(shop.shop_id, "Toner", [toner])
    await control.set_product_status(on_connect["SERUM"].product_id, "SELLER_DEACTIVATED")
    assert await skipping_env.fast_forward(handle, timedelta(hours=5))  # five pushes, no sync yet
    await asyncio.sleep(1)
    assert set(await shop.levels()) == {"SERUM"} and (await shop.levels())["SERUM"].active

    assert await skipping_env.fast_forward(handle, timedelta(hours=1, minutes=30))
    synced = await eventually(shop.levels, lambda levels: "TONER" in levels, timeout=10)
    assert synced["TONER"].on_hand == 70
    assert not synced["SERUM"].active  # and so no longer pushed
    state = await handle.query(CatalogWorkflow.state)
    assert state.last_sync is not None and state.last_sync.at is not None
    # Six virtual hours after the first sync ended, plus the few real seconds the sync itself takes.
    since_first = state.last_sync.at - first.last_sync.at
    assert POLICY.sync_interval <= since_first <= POLICY.sync_interval + timedelta(seconds=30)
    assert state.failures == 0


CLIENT_QPS = 8  # production's 40 of TikTok's 50, scaled down


@pytest.fixture
async def busy_shop(world: World, temporal_client: Client) -> AsyncIterator[ConnectedShop]:
    """24 products, each needing a push after the first sync (TikTok lists all its stock; we keep back
    the buffer), against an emulator that allows 10 calls a second per API."""
    await world.control.configure_gateway(qps=10)
    settings = world.settings.tiktok.model_copy(update={"qps_per_api": CLIENT_QPS})
    async with TikTokShopClient(settings) as tiktok:
        products = {f"SKU-{n:02}": 100 for n in range(24)}
        async with connect(world, temporal_client, tiktok, products) as connected:
            yield connected


async def test_stock_pushes_keep_to_the_rate_limit_per_shop_and_api(busy_shop: ConnectedShop) -> None:
    control = busy_shop.world.control
    pushed = await eventually(
        lambda: control.ledger(INVENTORY_UPDATES), lambda calls: len(calls) >= 24, timeout=30
    )
    levels = await busy_shop.levels()
    assert {level.tiktok_quantity for level in levels.values()} == {95}
    assert [(call["status"], call["code"]) for call in pushed] == [(200, 0)] * 24  # one call each, no 429
    starts = sorted(call["received"] for call in pushed)
    # The client's bucket holds a quarter second's worth, then lets `CLIENT_QPS` a second through.
    burst = CLIENT_QPS // 4
    assert busiest_second(starts) <= CLIENT_QPS + burst
    assert starts[-1] - starts[0] >= (len(starts) - burst - 1) / CLIENT_QPS
