"""Stock held by paid orders: all-or-nothing, idempotent by order id, never oversold under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from creatorflow.store import Store
from creatorflow.store.tables import ReservationStatus
from creatorflow.tiktok.models import Product, ProductStatus, Sku, WarehouseStock


def catalog(store: Store, stock: int, other: int = 100) -> None:
    store.sync_catalog(
        "shop-1",
        [
            Product(
                id="p1",
                title="Lip Oil",
                status="ACTIVATE",
                skus=[
                    Sku(
                        id="lip",
                        seller_sku="LIP",
                        inventory=[WarehouseStock(warehouse_id="wh", quantity=stock)],
                    ),
                    Sku(
                        id="gloss",
                        seller_sku="GLOSS",
                        inventory=[WarehouseStock(warehouse_id="wh", quantity=other)],
                    ),
                ],
            )
        ],
    )


def stock(store: Store, sku_id: str) -> tuple[int, int]:
    [found] = [level for level in store.stock_levels("shop-1") if level.sku_id == sku_id]
    return found.on_hand, found.reserved


def test_reservations_are_idempotent_and_all_or_nothing(store: Store) -> None:
    catalog(store, stock=2)
    assert store.reserve_stock("shop-1", "o1", [("lip", 2)]).reserved
    assert store.reserve_stock("shop-1", "o1", [("lip", 2)]).reserved  # a retry holds nothing more
    assert stock(store, "lip") == (2, 2)
    refused = store.reserve_stock("shop-1", "o2", [("gloss", 1), ("lip", 1)])
    assert (refused.reserved, refused.short) == (False, ["lip"])
    assert stock(store, "gloss") == (100, 0)  # the SKU that had stock was not held either
    assert store.reserve_stock("shop-1", "o3", [("not-synced", 1)]).reserved  # untracked SKUs pass


def test_shipping_takes_units_off_the_shelf_and_cancelling_puts_them_back(store: Store) -> None:
    catalog(store, stock=10)
    store.reserve_stock("shop-1", "o1", [("lip", 3)])
    store.reserve_stock("shop-1", "o2", [("lip", 2)])
    assert store.settle_reservation("shop-1", "o1", ReservationStatus.SHIPPED)
    assert not store.settle_reservation("shop-1", "o1", ReservationStatus.SHIPPED)  # once
    assert stock(store, "lip") == (7, 2)
    store.settle_reservation("shop-1", "o2", ReservationStatus.RELEASED)  # cancelled before packing
    store.settle_reservation("shop-1", "o1", ReservationStatus.RELEASED)  # cancelled; never left
    assert stock(store, "lip") == (10, 0)
    assert not store.reserve_stock("shop-1", "o2", [("lip", 2)]).reserved  # a cancelled order stays so


def test_a_burst_of_concurrent_orders_never_reserves_more_than_the_shelf(store: Store) -> None:
    catalog(store, stock=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: store.reserve_stock("shop-1", f"o{n}", [("lip", 1)]), range(50)))
    assert sum(result.reserved for result in results) == 30
    assert stock(store, "lip") == (30, 30)


def test_an_operator_count_replaces_on_hand_and_a_resync_keeps_it(store: Store) -> None:
    catalog(store, stock=500)
    store.set_on_hand("shop-1", "lip", 300)
    catalog(store, stock=480)  # TikTok's own count moved; ours is the truth
    assert stock(store, "lip") == (300, 0)
    [lip] = [level for level in store.stock_levels("shop-1") if level.sku_id == "lip"]
    assert lip.tiktok_quantity == 480


def catalog_of_status(store: Store, status: str) -> None:
    product = Product(id="p1", status=status, skus=[Sku(id="lip", inventory=[WarehouseStock(quantity=45)])])
    store.sync_catalog("shop-1", [product])


def ours(store: Store) -> bool:
    [level] = store.stock_levels("shop-1")
    return level.stock_deactivated


def test_a_product_we_took_off_sale_stays_ours_only_while_it_is_seller_deactivated(store: Store) -> None:
    catalog_of_status(store, "ACTIVATE")
    store.flag_stock_deactivation("shop-1", ["p1"])
    assert not ours(store)  # noted before TikTok is asked: not off sale yet
    store.set_product_status("shop-1", ["p1"], ProductStatus.SELLER_DEACTIVATED)
    assert ours(store)
    catalog_of_status(store, "SELLER_DEACTIVATED")  # a sync (our own type-5 webhook) keeps it ours
    assert ours(store)
    catalog_of_status(store, "ACTIVATE")  # the seller put it back on sale ...
    catalog_of_status(store, "SELLER_DEACTIVATED")  # ... and paused it again: theirs now
    assert not ours(store)

    store.flag_stock_deactivation("shop-1", ["p1"])
    store.set_product_status("shop-1", ["p1"], ProductStatus.ACTIVATE)  # we put it back on sale ourselves
    store.set_product_status("shop-1", ["p1"], ProductStatus.SELLER_DEACTIVATED)
    assert not ours(store)


def test_a_product_tiktok_would_not_take_off_sale_is_not_ours_once_the_seller_pauses_it(store: Store) -> None:
    catalog_of_status(store, "ACTIVATE")
    store.flag_stock_deactivation("shop-1", ["p1"])
    store.unflag_stock_deactivation("shop-1", ["p1"])  # TikTok refused the Deactivate call
    catalog_of_status(store, "SELLER_DEACTIVATED")  # later the seller pauses it: a restock must not undo that
    assert not ours(store)
