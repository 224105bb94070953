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


def stock(store: Store, sku_id: str, warehouse_id: str = "wh") -> tuple[int, int]:
    [found] = [
        level
        for level in store.stock_levels("shop-1")
        if (level.sku_id, level.warehouse_id) == (sku_id, warehouse_id)
    ]
    return found.on_hand, found.reserved


def test_reservations_are_idempotent_and_all_or_nothing(store: Store) -> None:
    catalog(store, stock=2)
    assert store.reserve_stock("shop-1", "o1", "wh", [("lip", 2)]).reserved
    assert store.reserve_stock("shop-1", "o1", "wh", [("lip", 2)]).reserved  # a retry holds nothing more
    assert stock(store, "lip") == (2, 2)
    refused = store.reserve_stock("shop-1", "o2", "wh", [("gloss", 1), ("lip", 1)])
    assert (refused.reserved, refused.short) == (False, ["lip"])
    assert stock(store, "gloss") == (100, 0)  # the SKU that had stock was not held either
    assert store.reserve_stock("shop-1", "o3", "wh", [("not-synced", 1)]).reserved  # untracked SKUs pass


def test_shipping_takes_units_off_the_shelf_and_cancelling_puts_them_back(store: Store) -> None:
    catalog(store, stock=10)
    store.reserve_stock("shop-1", "o1", "wh", [("lip", 3)])
    store.reserve_stock("shop-1", "o2", "wh", [("lip", 2)])
    assert store.settle_reservation("shop-1", "o1", ReservationStatus.SHIPPED)
    assert not store.settle_reservation("shop-1", "o1", ReservationStatus.SHIPPED)  # once
    assert stock(store, "lip") == (7, 2)
    store.settle_reservation("shop-1", "o2", ReservationStatus.RELEASED)  # cancelled before packing
    store.settle_reservation("shop-1", "o1", ReservationStatus.RELEASED)  # cancelled; never left
    assert stock(store, "lip") == (10, 0)
    assert not store.reserve_stock("shop-1", "o2", "wh", [("lip", 2)]).reserved  # a cancelled order stays so


def test_a_burst_of_concurrent_orders_never_reserves_more_than_the_shelf(store: Store) -> None:
    catalog(store, stock=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda n: store.reserve_stock("shop-1", f"o{n}", "wh", [("lip", 1)]), range(50))
        )
    assert sum(result.reserved for result in results) == 30
    assert stock(store, "lip") == (30, 30)


def test_an_operator_count_replaces_on_hand_and_a_resync_keeps_it(store: Store) -> None:
    catalog(store, stock=500)
    store.set_on_hand("shop-1", "lip", "wh", 300)
    catalog(store, stock=480)  # TikTok's own count moved; ours is the truth
    assert stock(store, "lip") == (300, 0)
    [lip] = [level for level in store.stock_levels("shop-1") if level.sku_id == "lip"]
    assert lip.tiktok_quantity == 480


def two_warehouses(store: Store, listed: tuple[str, ...] = ("wh", "wh-2")) -> None:
    counts = {"wh": 4, "wh-2": 10}
    inventory = [WarehouseStock(warehouse_id=w, quantity=counts[w]) for w in listed]
    store.sync_catalog(
        "shop-1", [Product(id="p1", status="ACTIVATE", skus=[Sku(id="lip", inventory=inventory)])]
    )


def test_an_order_takes_stock_from_its_own_warehouse_only(store: Store) -> None:
    two_warehouses(store)
    short = store.reserve_stock("shop-1", "o1", "wh", [("lip", 5)])  # wh-2 has 10, but the order is wh's
    assert (short.reserved, short.short) == (False, ["lip"])
    assert store.reserve_stock("shop-1", "o2", "wh-2", [("lip", 5)]).reserved
    assert (stock(store, "lip", "wh"), stock(store, "lip", "wh-2")) == ((4, 0), (10, 5))
    store.settle_reservation("shop-1", "o2", ReservationStatus.SHIPPED)
    assert (stock(store, "lip", "wh"), stock(store, "lip", "wh-2")) == ((4, 0), (5, 0))


def test_an_order_from_a_warehouse_we_keep_no_stock_in_is_refused_not_served_from_another(
    store: Store,
) -> None:
    two_warehouses(store)
    elsewhere = store.reserve_stock("shop-1", "o1", "wh-3", [("lip", 1)])
    assert (elsewhere.reserved, elsewhere.unstocked) == (False, ["lip"])
    unnamed = store.reserve_stock("shop-1", "o2", "", [("lip", 1)])  # stocked in two: which one?
    assert (unnamed.reserved, unnamed.unstocked) == (False, ["lip"])
    assert store.reserve_stock("shop-1", "o3", "", [("gloss", 1)]).reserved  # untracked: passes
    catalog(store, stock=3)  # a SKU stocked in one warehouse only: the order can only be from there
    assert store.reserve_stock("shop-1", "o4", "", [("gloss", 1)]).reserved
    assert stock(store, "gloss") == (100, 1)


def test_a_warehouse_tiktok_no_longer_lists_keeps_its_stock_unlisted(store: Store) -> None:
    two_warehouses(store)
    store.set_on_hand("shop-1", "lip", "wh-2", 12)
    two_warehouses(store, listed=("wh",))
    assert [
        (level.warehouse_id, level.on_hand, level.assigned) for level in store.stock_levels("shop-1")
    ] == [
        ("wh", 4, True),
        ("wh-2", 12, False),
    ]


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
