"""Combining a buyer's orders into one package on TikTok, and taking them out again: Search Combinable
Packages, Combine Package, Uncombine (reference §5.3; peers.md §4.7)."""

from __future__ import annotations

from typing import Any

from tiktok_sandbox_helpers import Emulator, Shop

USPS = "6617675021119438849"
SEARCH = "/fulfillment/202309/combinable_packages/search"
COMBINE = "/fulfillment/202309/packages/combine"


def one_buyers_orders(emulator: Emulator, shop: Shop, count: int) -> list[dict[str, Any]]:
    [first] = emulator.orders(shop, on_hold=False)
    more = emulator.orders(shop, count=count - 1, on_hold=False, same_buyer_as=first["id"])
    return [first, *more]


def order_of(shop: Shop, order_id: str) -> dict[str, Any]:
    return dict(shop.api.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0])


def test_one_buyers_orders_to_one_address_are_combinable_and_others_are_not(
    emulator: Emulator, shop: Shop
) -> None:
    orders = one_buyers_orders(emulator, shop, 3)
    emulator.orders(shop, on_hold=False)  # another buyer's
    emulator.orders(shop, same_buyer_as=orders[0]["id"])  # on hold: not yet
    found = shop.api.ok("GET", SEARCH, {"page_size": 10})
    assert found["total_count"] == 1 and found["next_page_token"] == ""
    [combinable] = found["combinable_packages"]
    assert combinable == {"id": orders[0]["packages"][0]["id"], "order_ids": [o["id"] for o in orders]}
    assert shop.api.call("GET", SEARCH).code == 36009004  # page_size is required


def test_combining_makes_one_package_that_ships_every_order_in_it(emulator: Emulator, shop: Shop) -> None:
    first, second = one_buyers_orders(emulator, shop, 2)
    ids = [first["id"], second["id"]]
    done = shop.api.ok("POST", COMBINE, body={"combinable_packages": [{"id": "x", "order_ids": ids}]})
    assert done["errors"] == []
    [package] = done["packages"]
    assert package["order_ids"] == ids
    for order_id in ids:
        found = order_of(shop, order_id)
        assert found["packages"] == [{"id": package["id"]}] and found["split_or_combine_tag"] == "COMBINED"
    detail = shop.api.ok("GET", f"/fulfillment/202309/packages/{package['id']}")
    assert detail["split_and_combine_tag"] == "COMBINE" and detail["orders"] == [{"id": i} for i in ids]
    [webhook] = [d["notification"] for d in emulator.deliveries(shop_id=shop.shop_id, type=4)]
    assert webhook["data"]["sc_type"] == "COMBINE"
    assert webhook["data"]["package_list"] == [{"package_id": package["id"], "order_id_list": ids}]
    # One label for the package: shipping it through either order ships both.
    path = f"/fulfillment/202309/orders/{first['id']}/packages"
    shop.api.ok("POST", path, body={"tracking_number": "1ZCOMBINED", "shipping_provider_id": USPS})
    assert {order_of(shop, i)["status"] for i in ids} == {"AWAITING_COLLECTION"}
    assert {order_of(shop, i)["tracking_number"] for i in ids} == {"1ZCOMBINED"}


def test_combine_reports_what_it_refuses_and_combines_the_rest(emulator: Emulator, shop: Shop) -> None:
    mine = one_buyers_orders(emulator, shop, 2)
    [stranger] = emulator.orders(shop, on_hold=False)
    held = emulator.orders(shop, same_buyer_as=mine[0]["id"])[0]
    body = {
        "combinable_packages": [
            {"id": "mixed", "order_ids": [mine[0]["id"], stranger["id"]]},
            {"id": "held", "order_ids": [mine[1]["id"], held["id"]]},
            {"id": "alone", "order_ids": [mine[0]["id"]]},
        ]
    }
    done = shop.api.ok("POST", COMBINE, body=body)
    assert done["packages"] == []
    assert [(e["detail"]["package_id"], e["code"]) for e in done["errors"]] == [
        ("mixed", 99021010),
        ("held", 99021010),
        ("alone", 36009004),
    ]
    assert "same buyer" in done["errors"][0]["message"] and "ON_HOLD" in done["errors"][1]["message"]


def test_uncombining_gives_orders_packages_of_their_own(emulator: Emulator, shop: Shop) -> None:
    orders = one_buyers_orders(emulator, shop, 3)
    ids = [o["id"] for o in orders]
    [package] = shop.api.ok("POST", COMBINE, body={"combinable_packages": [{"id": "x", "order_ids": ids}]})[
        "packages"
    ]
    path = f"/fulfillment/202309/packages/{package['id']}/uncombine"
    out = shop.api.ok("POST", path, body={"order_ids": [ids[2]]})["packages"]
    assert [p["order_ids"] for p in out] == [[ids[2]], ids[:2]]
    assert order_of(shop, ids[2])["packages"] == [{"id": out[0]["id"]}]
    assert order_of(shop, ids[2]).get("split_or_combine_tag") is None
    rest = shop.api.ok("POST", path, body={"order_ids": [ids[1]]})["packages"]
    assert sorted(p["order_ids"] for p in rest) == [[ids[0]], [ids[1]]]
    assert (
        shop.api.ok("GET", f"/fulfillment/202309/packages/{package['id']}")["package_status"] == "CANCELLED"
    )
    assert shop.api.call("POST", path, body={"order_ids": [ids[0]]}).code == 99021010
    sc_types = [
        d["notification"]["data"]["sc_type"] for d in emulator.deliveries(shop_id=shop.shop_id, type=4)
    ]
    assert sc_types == ["COMBINE", "CANCEL_COMBINE", "CANCEL_COMBINE"]
