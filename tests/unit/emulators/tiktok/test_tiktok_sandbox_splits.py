"""Splitting an order into packages on TikTok: split attributes, Split Orders, and shipping each package with
its own tracking number until the order is delivered (reference §5.3; peers.md §4.7)."""

from __future__ import annotations

from typing import Any

from tiktok_sandbox_helpers import Emulator, Shop

USPS = "6617675021119438849"
ATTRIBUTES = "/fulfillment/202309/orders/split_attributes"


def split(shop: Shop, order_id: str, groups: list[list[str]]) -> Any:
    body = {
        "splittable_groups": [
            {"id": f"group-{n}", "order_line_item_ids": ids} for n, ids in enumerate(groups, start=1)
        ]
    }
    return shop.api.call("POST", f"/fulfillment/202309/orders/{order_id}/split", body=body)


def attributes(shop: Shop, order_id: str) -> dict[str, Any]:
    [found] = shop.api.ok("GET", ATTRIBUTES, {"order_ids": order_id})["split_attributes"]
    return dict(found)


def order_of(shop: Shop, order_id: str) -> dict[str, Any]:
    return dict(shop.api.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0])


def ready_order(emulator: Emulator, shop: Shop, **options: Any) -> dict[str, Any]:
    return emulator.orders(shop, on_hold=False, **options)[0]


def test_an_order_of_several_items_awaiting_shipment_can_split(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop, quantity=3)
    assert attributes(shop, order["id"]) == {
        "order_id": order["id"],
        "can_split": True,
        "reason": "",
        "must_split": False,
        "must_split_reasons": [],
    }


def test_split_attributes_refuse_one_item_and_orders_not_awaiting_shipment(
    emulator: Emulator, shop: Shop
) -> None:
    single = ready_order(emulator, shop, quantity=1)
    held = emulator.orders(shop, quantity=2)[0]
    one, on_hold = attributes(shop, single["id"]), attributes(shop, held["id"])
    assert not one["can_split"] and "one item" in one["reason"]
    assert not on_hold["can_split"] and "ON_HOLD" in on_hold["reason"]
    refused = split(shop, held["id"], [[item["id"]] for item in held["line_items"]])
    assert refused.code == 99021009 and "ON_HOLD" in refused.message


def test_split_makes_one_package_per_group_and_tells_the_seller(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop, quantity=3)
    items = [item["id"] for item in order["line_items"]]
    made = split(shop, order["id"], [items[:2], items[2:]])
    assert made.code == 0
    packages = made.data["packages"]
    assert [p["splittable_group_id"] for p in packages] == ["group-1", "group-2"]
    found = order_of(shop, order["id"])
    assert [p["id"] for p in found["packages"]] == [p["id"] for p in packages]
    assert found["split_or_combine_tag"] == "SPLIT" and found["status"] == "AWAITING_SHIPMENT"
    details = [shop.api.ok("GET", f"/fulfillment/202309/packages/{p['id']}") for p in packages]
    assert [d["order_line_item_ids"] for d in details] == [items[:2], items[2:]]
    assert {d["split_and_combine_tag"] for d in details} == {"SPLIT"}
    old = shop.api.ok("GET", f"/fulfillment/202309/packages/{order['packages'][0]['id']}")
    assert old["package_status"] == "CANCELLED"
    [webhook] = [d["notification"] for d in emulator.deliveries(shop_id=shop.shop_id, type=4)]
    assert webhook["data"]["sc_type"] == "SPLIT"
    assert {p["package_id"] for p in webhook["data"]["package_list"]} == {p["id"] for p in packages}
    again = attributes(shop, order["id"])
    assert not again["can_split"] and "already split" in again["reason"]
    assert split(shop, order["id"], [items[:1], items[1:]]).code == 99021009


def test_groups_must_cover_the_line_items_exactly(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop, quantity=3)
    items = [item["id"] for item in order["line_items"]]
    for groups in ([items], [items[:1], items[1:2]], [items[:2], items[1:]], [items[:1], [*items[1:], "42"]]):
        refused = split(shop, order["id"], groups)
        assert refused.code == 36009004, groups
    assert len(order_of(shop, order["id"])["packages"]) == 1


def test_each_package_ships_with_its_tracking_until_the_order_is_delivered(
    emulator: Emulator, shop: Shop
) -> None:
    order = ready_order(emulator, shop, quantity=2)
    items = [item["id"] for item in order["line_items"]]
    packages = split(shop, order["id"], [items[:1], items[1:]]).data["packages"]
    path = f"/fulfillment/202309/orders/{order['id']}/packages"
    first = shop.api.ok(
        "POST",
        path,
        body={"tracking_number": "1ZSPLIT1", "shipping_provider_id": USPS, "order_line_item_ids": items[:1]},
    )
    assert first["package_id"] == packages[0]["id"]
    assert order_of(shop, order["id"])["status"] == "PARTIALLY_SHIPPING"
    second = shop.api.ok(
        "POST",
        path,
        body={"tracking_number": "1ZSPLIT2", "shipping_provider_id": USPS, "order_line_item_ids": items[1:]},
    )
    assert second["package_id"] == packages[1]["id"]
    assert order_of(shop, order["id"])["status"] == "AWAITING_COLLECTION"
    tracking = {
        shop.api.ok("GET", f"/fulfillment/202309/packages/{p['id']}")["tracking_number"] for p in packages
    }
    assert tracking == {"1ZSPLIT1", "1ZSPLIT2"}
    emulator.post(f"/orders/{order['id']}/carrier_scan")
    emulator.post(f"/orders/{order['id']}/deliver")
    assert order_of(shop, order["id"])["status"] == "DELIVERED"
    statuses = {
        shop.api.ok("GET", f"/fulfillment/202309/packages/{p['id']}")["package_status"] for p in packages
    }
    assert statuses == {"COMPLETED"}
