"""Warehouses over real HTTP: a shop's several sales warehouses with their addresses, orders carrying the
one they ship from, a GB shop beside the US ones, and the store answering the origin of a label from what
Get Warehouse List gave it."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_helpers import Seller, connect_seller

from creatorflow.addresses import warehouse_address
from creatorflow.crypto import Keyring
from creatorflow.orders import snapshot_of
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.tiktok.client import TikTokShopClient
from emulators.tiktok.admin_client import TikTokSandboxControl


async def test_a_shop_with_two_sales_warehouses_lists_both_with_their_addresses(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    second = await control.add_warehouse(seller.shop.shop_id, "Dallas overflow")
    sales = {
        w.id: warehouse_address(w.name, w.address)
        for w in await tiktok.get_warehouses(seller.shop)
        if w.type == "SALES_WAREHOUSE"
    }
    assert set(sales) == {seller.warehouse_id, second.id}
    assert (sales[seller.warehouse_id].city, sales[seller.warehouse_id].state) == ("Los Angeles", "CA")
    assert (sales[second.id].city, sales[second.id].state, sales[second.id].country) == ("Dallas", "TX", "US")


async def test_an_order_placed_against_the_second_warehouse_carries_it_and_ships_from_it(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient, tmp_path: Path
) -> None:
    second = await control.add_warehouse(seller.shop.shop_id, "Dallas overflow")
    product = await control.create_product(
        seller.shop.shop_id,
        "Bath Salts",
        [{"seller_sku": "SALT-1", "price": "9.00", "stock": 20}],
        warehouse_id=second.id,
    )
    [placed] = await control.create_orders(
        seller.shop.shop_id, product.skus[0].id, on_hold=False, warehouse_id=second.id
    )
    [order] = await tiktok.get_orders(seller.shop, [placed["id"]])
    assert order.warehouse_id == second.id
    # What the lead's purchase path does: sync the list, then ask the store for the order's origin.
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    store = Store(engine, Keyring.parse(Keyring.generate_spec("k1")))
    store.sync_warehouses(seller.shop.shop_id, await tiktok.get_warehouses(seller.shop))
    snapshot = snapshot_of(seller.shop.shop_id, order)
    assert store.ship_from(snapshot.shop_id, snapshot.warehouse_id).city == "Dallas"
    assert store.return_to(snapshot.shop_id).city == "Los Angeles"
    engine.dispose()


async def test_a_gb_shop_has_gb_warehouses_buyers_and_prices_in_gbp(
    emulator_url: str, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    created, shop, _ = await connect_seller(emulator_url, control, tiktok, "Tea & Co", base_region="GB")
    for warehouse in await tiktok.get_warehouses(shop):
        origin = warehouse_address(warehouse.name, warehouse.address)
        assert (origin.country, origin.city, origin.postal_code) == ("GB", "London", "NW10 7XF")
    product = await control.create_product(
        shop.shop_id, "Earl Grey", [{"seller_sku": "TEA-1", "price": "6.50", "stock": 10}]
    )
    [sku] = (await tiktok.get_product(shop, product.id)).skus
    assert sku.price is not None and sku.price.currency == "GBP"
    [placed] = await control.create_orders(shop.shop_id, sku.id, on_hold=False)
    snapshot = snapshot_of(shop.shop_id, (await tiktok.get_orders(shop, [placed["id"]]))[0])
    assert snapshot.warehouse_id == created.shops[0].sales_warehouse_id
    assert snapshot.currency == "GBP"
    assert snapshot.recipient is not None and snapshot.recipient.country == "GB"


async def test_orders_ship_only_from_an_enabled_sales_warehouse_that_stocks_the_sku(
    seller: Seller, control: TikTokSandboxControl
) -> None:
    empty = await control.add_warehouse(seller.shop.shop_id, "Empty shelves")
    returns = await control.add_warehouse(seller.shop.shop_id, "Back door", type="RETURN_WAREHOUSE")
    with pytest.raises(RuntimeError, match=rf"HTTP 409.*not stocked in warehouse {empty.id}"):
        await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], warehouse_id=empty.id)
    with pytest.raises(RuntimeError, match=r"HTTP 409.*not an enabled sales warehouse"):
        await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], warehouse_id=returns.id)
