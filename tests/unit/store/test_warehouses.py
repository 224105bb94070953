"""Shops' warehouses as TikTok lists them: a sync replaces the set, labels ship from the order's warehouse,
returns go to the return warehouse, and what is not known is an error, never a fallback address."""

from __future__ import annotations

from typing import Any

import pytest

from creatorflow.addresses import AddressUnusableError
from creatorflow.domain import Address
from creatorflow.store import Store
from creatorflow.store.warehouses import WarehouseUnknownError
from creatorflow.tiktok.models import Warehouse

LOS_ANGELES = {
    "region": "US",
    "region_code": "US",
    "state": "California",
    "city": "Los Angeles",
    "postal_code": "90021",
    "address_line1": "1200 S Alameda St",
    "contact_person": "Warehouse Desk",
    "phone_number": "(+1)2135550100",
    "full_address": "1200 S Alameda St, Los Angeles, CA 90021",
}
DALLAS = LOS_ANGELES | {
    "state": "Texas",
    "city": "Dallas",
    "postal_code": "75247",
    "address_line1": "2500 Irving Blvd",
    "full_address": "2500 Irving Blvd, Dallas, TX 75247",
}


def warehouse(warehouse_id: str, kind: str, address: dict[str, Any], **fields: Any) -> Warehouse:
    return Warehouse.model_validate(
        {
            "id": warehouse_id,
            "name": f"Warehouse {warehouse_id}",
            "type": kind,
            "effect_status": "ENABLED",
            "is_default": True,
            "address": address,
        }
        | fields
    )


def test_labels_ship_from_the_orders_warehouse_and_returns_go_to_the_return_warehouse(store: Store) -> None:
    store.sync_warehouses(
        "shop-1",
        [
            warehouse("w-la", "SALES_WAREHOUSE", LOS_ANGELES),
            warehouse("w-dal", "SALES_WAREHOUSE", DALLAS, is_default=False),
            warehouse("w-ret", "RETURN_WAREHOUSE", DALLAS, contact_person=""),
        ],
    )
    assert store.ship_from("shop-1", "w-la") == Address(
        name="Warehouse Desk",
        street1="1200 S Alameda St",
        city="Los Angeles",
        state="CA",
        postal_code="90021",
        country="US",
        phone="(+1)2135550100",
    )
    assert (store.ship_from("shop-1", "w-dal").city, store.ship_from("shop-1", "w-dal").state) == (
        "Dallas",
        "TX",
    )
    assert store.return_to("shop-1").postal_code == "75247"


def test_a_sync_replaces_the_shops_set_and_leaves_other_shops_alone(store: Store) -> None:
    store.sync_warehouses("shop-1", [warehouse("w-la", "SALES_WAREHOUSE", LOS_ANGELES)])
    store.sync_warehouses("shop-2", [warehouse("w-la2", "SALES_WAREHOUSE", LOS_ANGELES)])
    store.sync_warehouses(
        "shop-1",
        [warehouse("w-dal", "SALES_WAREHOUSE", DALLAS), warehouse("w-ret", "RETURN_WAREHOUSE", DALLAS)],
    )
    with pytest.raises(WarehouseUnknownError, match=r"shop shop-1 has no warehouse w-la .*\(synced 20"):
        store.ship_from("shop-1", "w-la")  # TikTok no longer lists it
    assert store.ship_from("shop-1", "w-dal").city == "Dallas"
    assert store.ship_from("shop-2", "w-la2").city == "Los Angeles"
    with pytest.raises(WarehouseUnknownError):
        store.ship_from("shop-2", "w-dal")  # another shop's warehouse


def test_an_unknown_shop_or_warehouse_is_an_error_never_a_fallback(store: Store) -> None:
    with pytest.raises(WarehouseUnknownError, match="not synced yet"):
        store.ship_from("shop-9", "w-la")
    with pytest.raises(WarehouseUnknownError, match="no return warehouse"):
        store.return_to("shop-9")
    store.sync_warehouses("shop-1", [warehouse("w-la", "SALES_WAREHOUSE", LOS_ANGELES)])
    with pytest.raises(WarehouseUnknownError, match=r"no warehouse \(none given\)"):
        store.ship_from("shop-1", "")  # an order TikTok gave no warehouse_id


def test_returns_go_to_the_default_enabled_return_warehouse_else_the_only_enabled_one(store: Store) -> None:
    disabled = warehouse("w-old", "RETURN_WAREHOUSE", LOS_ANGELES, effect_status="DISABLED")
    store.sync_warehouses(
        "shop-1",
        [disabled, warehouse("w-a", "RETURN_WAREHOUSE", DALLAS, is_default=False)],
    )
    assert store.return_to("shop-1").city == "Dallas"  # the only enabled one
    store.sync_warehouses(
        "shop-1",
        [
            disabled,
            warehouse("w-a", "RETURN_WAREHOUSE", LOS_ANGELES, is_default=False),
            warehouse("w-b", "RETURN_WAREHOUSE", DALLAS),
        ],
    )
    assert store.return_to("shop-1").city == "Dallas"  # the default
    store.sync_warehouses(
        "shop-1",
        [
            warehouse("w-a", "RETURN_WAREHOUSE", LOS_ANGELES, is_default=False),
            warehouse("w-b", "RETURN_WAREHOUSE", DALLAS, is_default=False),
        ],
    )
    with pytest.raises(WarehouseUnknownError, match="2 enabled return warehouses and no default"):
        store.return_to("shop-1")
    store.sync_warehouses("shop-1", [disabled])
    with pytest.raises(WarehouseUnknownError, match="none"):
        store.return_to("shop-1")


def test_a_warehouse_address_that_cannot_be_used_is_a_clear_error(store: Store) -> None:
    no_country = LOS_ANGELES | {"region_code": ""}
    store.sync_warehouses("shop-1", [warehouse("w-la", "SALES_WAREHOUSE", no_country)])
    with pytest.raises(AddressUnusableError, match=r"warehouse w-la .*invalid country"):
        store.ship_from("shop-1", "w-la")
