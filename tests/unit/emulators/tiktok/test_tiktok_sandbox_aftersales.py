"""Cancellations, returns and refunds (§5.6), including idempotency keys on the decision endpoints (§8)."""

from __future__ import annotations

from typing import Any

from tiktok_sandbox_helpers import Emulator, Shop

CANCELLATIONS = "/return_refund/202309/cancellations"
RETURNS = "/return_refund/202309/returns"


def status_of(emulator: Emulator, order_id: str) -> str:
    return str(emulator.order(order_id)["order"]["status"])


def buyer_cancels(emulator: Emulator, order_id: str) -> dict[str, Any]:
    return dict(
        emulator.post(f"/orders/{order_id}/cancellations", {"reason": "Found it cheaper"}, expect=201)
    )


def in_transit_order(emulator: Emulator, shop: Shop) -> dict[str, Any]:
    order = emulator.orders(shop, on_hold=False)[0]
    shop.api.ok(
        "POST",
        f"/fulfillment/202309/orders/{order['id']}/packages",
        body={"tracking_number": f"1Z{order['id']}", "shipping_provider_id": "6617675021119438849"},
    )
    emulator.post(f"/orders/{order['id']}/carrier_scan")
    return order


def delivered_order(emulator: Emulator, shop: Shop) -> dict[str, Any]:
    order = in_transit_order(emulator, shop)
    emulator.post(f"/orders/{order['id']}/deliver")
    return order


def open_return(emulator: Emulator, order_id: str, return_type: str, **fields: Any) -> dict[str, Any]:
    body = {"return_type": return_type, **fields}
    return dict(emulator.post(f"/orders/{order_id}/returns", body, expect=201))


def test_a_buyer_cancels_freely_while_the_order_is_on_hold(emulator: Emulator, shop: Shop) -> None:
    order = emulator.orders(shop)[0]
    cancellation = buyer_cancels(emulator, order["id"])
    assert (cancellation["cancel_status"], cancellation["role"]) == ("CANCELLATION_REQUEST_COMPLETE", "BUYER")
    assert status_of(emulator, order["id"]) == "CANCELLED"
    product = shop.api.ok("GET", f"/product/202309/products/{shop.product_id}")
    assert product["skus"][0]["inventory"][0]["quantity"] == 100  # the stock came back


def test_a_pending_cancellation_waits_for_the_seller(emulator: Emulator, shop: Shop) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    cancellation = buyer_cancels(emulator, order["id"])
    assert cancellation["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    seen = shop.api.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert (seen["status"], seen["is_buyer_request_cancel"]) == ("AWAITING_SHIPMENT", True)
    found = shop.api.ok("POST", f"{CANCELLATIONS}/search", body={"order_ids": [order["id"]]})["cancellations"]
    assert [c["cancel_id"] for c in found] == [cancellation["cancel_id"]]
    assert found[0]["seller_next_action_response"][0]["deadline"] > found[0]["create_time"]
    assert shop.api.call("POST", f"{CANCELLATIONS}/{cancellation['cancel_id']}/approve").code == 0
    assert status_of(emulator, order["id"]) == "CANCELLED"
    cancelled = shop.api.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert (cancelled["cancellation_initiator"], cancelled["cancel_reason"]) == ("BUYER", "Found it cheaper")


def test_rejecting_a_cancellation_keeps_the_order(emulator: Emulator, shop: Shop) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    cancel_id = buyer_cancels(emulator, order["id"])["cancel_id"]
    missing_reason = shop.api.call("POST", f"{CANCELLATIONS}/{cancel_id}/reject", body={})
    assert missing_reason.code == 36009004
    assert (
        shop.api.call("POST", f"{CANCELLATIONS}/{cancel_id}/reject", body={"reject_reason": "shipped"}).code
        == 0
    )
    assert status_of(emulator, order["id"]) == "AWAITING_SHIPMENT"
    (found,) = emulator.order(order["id"])["cancellations"]
    assert found["cancel_status"] == "CANCELLATION_REQUEST_CANCEL"


def test_the_same_idempotency_key_replays_and_never_acts_twice(emulator: Emulator, shop: Shop) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    cancel_id = buyer_cancels(emulator, order["id"])["cancel_id"]
    path = f"{CANCELLATIONS}/{cancel_id}/approve"
    first = shop.api.call("POST", path, {"idempotency_key": "key-1"})
    replay = shop.api.call("POST", path, {"idempotency_key": "key-1"})
    assert (first.code, replay.code) == (0, 0)
    assert first.body["request_id"] != replay.body["request_id"]
    cancelled_pushes = [
        d
        for d in emulator.deliveries(shop_id=shop.shop_id, type=1)
        if d["notification"]["data"]["order_id"] == order["id"]
    ]
    assert [d["notification"]["data"]["order_status"] for d in cancelled_pushes][-1] == "CANCEL"
    assert sum(d["notification"]["data"]["order_status"] == "CANCEL" for d in cancelled_pushes) == 1
    without_key = shop.api.call("POST", path)
    assert without_key.code == 25001003
    other_key = shop.api.call("POST", path, {"idempotency_key": "key-2"})
    assert other_key.code == 25001003


def test_a_seller_cancels_an_order_up_to_awaiting_collection(emulator: Emulator, shop: Shop) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    answer = shop.api.ok(
        "POST", CANCELLATIONS, body={"order_id": order["id"], "cancel_reason": "Out of stock"}
    )
    assert answer["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert status_of(emulator, order["id"]) == "CANCELLED"
    in_transit = in_transit_order(emulator, shop)
    refused = shop.api.call(
        "POST", CANCELLATIONS, body={"order_id": in_transit["id"], "cancel_reason": "late"}
    )
    assert refused.code == 25001003


def test_return_and_refund_goes_through_the_buyer_shipping_it_back(emulator: Emulator, shop: Shop) -> None:
    order = delivered_order(emulator, shop)
    return_id = open_return(emulator, order["id"], "RETURN_AND_REFUND")["return_id"]
    assert (
        shop.api.call("POST", f"{RETURNS}/{return_id}/approve", body={"decision": "APPROVE_RETURN"}).code == 0
    )
    premature = shop.api.call(
        "POST", f"{RETURNS}/{return_id}/approve", body={"decision": "APPROVE_RECEIVED_PACKAGE"}
    )
    assert premature.code == 25001003
    assert emulator.post(f"/returns/{return_id}/buyer_ship")["return_status"] == "BUYER_SHIPPED_ITEM"
    received = shop.api.call(
        "POST", f"{RETURNS}/{return_id}/approve", body={"decision": "APPROVE_RECEIVED_PACKAGE"}
    )
    assert received.code == 0
    (found,) = shop.api.ok("POST", f"{RETURNS}/search", body={"return_ids": [return_id]})["return_orders"]
    assert found["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    pushed = [
        d["notification"]["data"]["return_status"]
        for d in emulator.deliveries(shop_id=shop.shop_id, type=12)
        if d["notification"]["data"]["return_id"] == return_id
    ]
    assert pushed == [
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "AWAITING_BUYER_SHIP",
        "BUYER_SHIPPED_ITEM",
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
    ]


def test_a_full_refund_completes_an_order_in_transit(emulator: Emulator, shop: Shop) -> None:
    order = in_transit_order(emulator, shop)
    assert (
        emulator.admin.post(
            f"/orders/{order['id']}/returns", json={"return_type": "RETURN_AND_REFUND"}
        ).status_code
        == 409
    )
    return_id = open_return(emulator, order["id"], "REFUND")["return_id"]
    path = f"{RETURNS}/{return_id}/approve"
    assert shop.api.call("POST", path, {"idempotency_key": "r-1"}, {"decision": "APPROVE_REFUND"}).code == 0
    assert shop.api.call("POST", path, {"idempotency_key": "r-1"}, {"decision": "APPROVE_REFUND"}).code == 0
    assert status_of(emulator, order["id"]) == "COMPLETED"
    assert shop.api.call("POST", path, body={"decision": "APPROVE_REFUND"}).code == 25001003


def test_a_partial_refund_leaves_the_order_alone(emulator: Emulator, shop: Shop) -> None:
    order = delivered_order(emulator, shop)
    request = open_return(emulator, order["id"], "REFUND", amount="5.00")
    assert request["refund_amount"] == {"currency": "USD", "refund_total": "5.00"}
    shop.api.ok("POST", f"{RETURNS}/{request['return_id']}/approve", body={"decision": "APPROVE_REFUND"})
    assert status_of(emulator, order["id"]) == "DELIVERED"


def test_decisions_must_fit_the_request(emulator: Emulator, shop: Shop) -> None:
    order = delivered_order(emulator, shop)
    return_id = open_return(emulator, order["id"], "REFUND")["return_id"]
    wrong_kind = shop.api.call("POST", f"{RETURNS}/{return_id}/approve", body={"decision": "APPROVE_RETURN"})
    assert wrong_kind.code == 99025002
    unknown_decision = shop.api.call("POST", f"{RETURNS}/{return_id}/approve", body={"decision": "MAYBE"})
    assert unknown_decision.code == 36009004
    body = {"decision": "REJECT_REFUND", "reject_reason": "used item"}
    assert shop.api.call("POST", f"{RETURNS}/{return_id}/reject", body=body).code == 0
    assert emulator.order(order["id"])["returns"][0]["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    other_shop = emulator.new_shop()
    assert other_shop.api.call("POST", f"{RETURNS}/{return_id}/reject", body=body).code == 99025001


def test_return_search_pages_of_10_to_50(emulator: Emulator, shop: Shop) -> None:
    assert shop.api.call("POST", f"{RETURNS}/search", {"page_size": 9}, {}).code == 36009004
    assert shop.api.ok("POST", f"{RETURNS}/search", {"page_size": 10}, {}) == {
        "return_orders": [],
        "total_count": 0,
        "next_page_token": "",
    }
