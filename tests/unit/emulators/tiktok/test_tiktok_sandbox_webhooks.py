"""Webhooks are pushed, signed and retried as TikTok does (§7); they can be dropped, duplicated, reordered."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from tiktok_sandbox_helpers import APP_KEY, APP_SECRET, Emulator, Receiver, StartEmulator, wait_for

from creatorflow.tiktok.signing import sign_webhook, signatures_match
from emulators.tiktok.settings import WebhookSettings

FAST_RETRIES = {"retry_scale": 1e-5}  # 2 min, 30 min, 3 h, 12 h become 1.2 ms ... 0.43 s
LOOPBACK = {"allow_loopback_addresses": True}  # the receivers listen on http://127.0.0.1:PORT


def with_receiver(start_emulator: StartEmulator, receiver: Receiver, **webhooks: Any) -> Emulator:
    return start_emulator(webhooks={"default_url": receiver.url, **LOOPBACK, **FAST_RETRIES, **webhooks})


def order_pushes(receiver: Receiver, order_id: str) -> list[str]:
    return [p["data"]["order_status"] for p in receiver.of_type(1) if p["data"]["order_id"] == order_id]


def test_every_status_change_is_pushed_signed_as_json(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver)
    shop = emulator.new_shop()
    order = emulator.orders(shop, paid=False)[0]
    emulator.post(f"/orders/{order['id']}/pay")
    emulator.post(f"/orders/{order['id']}/release_hold")
    wait_for(lambda: len(order_pushes(receiver, order["id"])) == 3)
    assert order_pushes(receiver, order["id"]) == ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]
    push = receiver.pushes[-1]
    assert push.headers["content-type"] == "application/json"
    assert signatures_match(sign_webhook(APP_KEY, APP_SECRET, push.body), push.headers["authorization"])
    body = push.json
    assert set(body) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert (body["type"], body["shop_id"]) == (1, shop.shop_id)
    assert set(body["data"]) == {"order_id", "order_status", "is_on_hold_order", "update_time"}
    assert body["data"]["update_time"] == emulator.order(order["id"])["order"]["update_time"]
    assert wait_for(lambda: emulator.deliveries(shop_id=shop.shop_id, outcome="delivered"))


def test_a_shops_own_address_wins_over_the_default(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator_with_default = start_emulator(webhooks={"default_url": "http://127.0.0.1:9/unused", **LOOPBACK})
    shop = emulator_with_default.new_shop()
    body = {"address": receiver.url, "event_type": "ORDER_STATUS_CHANGE"}
    shop.api.ok("PUT", "/event/202309/webhooks", body=body)
    order = emulator_with_default.orders(shop)[0]
    wait_for(lambda: order_pushes(receiver, order["id"]) == ["UNPAID", "ON_HOLD"])


def test_failed_pushes_are_retried_then_delivered(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator = with_receiver(start_emulator, receiver)
    receiver.statuses = [500, 401, 503]
    shop = emulator.new_shop()
    emulator.orders(shop, paid=False)
    (delivery,) = wait_for(lambda: emulator.deliveries(shop_id=shop.shop_id, outcome="delivered"))
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 401, 503, 200]
    ids = {push.json["tts_notification_id"] for push in receiver.pushes}
    assert ids == {delivery["notification"]["tts_notification_id"]}
    # Each retry waited out its step of TikTok's growing schedule (a lower bound: load only adds to it).
    gaps = [later["at"] - earlier["at"] for earlier, later in pairwise(delivery["attempts"])]
    schedule = [delay * FAST_RETRIES["retry_scale"] for delay in WebhookSettings().retry_delays_seconds]
    assert all(gap >= step for gap, step in zip(gaps, schedule[:3], strict=True)), (gaps, schedule)


def test_pushes_are_given_up_after_four_retries(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator = with_receiver(start_emulator, receiver)
    receiver.statuses = [500] * 10
    shop = emulator.new_shop()
    emulator.orders(shop, paid=False)
    (delivery,) = wait_for(lambda: emulator.deliveries(shop_id=shop.shop_id, outcome="failed"))
    assert len(delivery["attempts"]) == 5
    assert len(receiver.pushes) == 5


def test_an_unreachable_address_counts_as_a_failed_attempt(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(webhooks={"default_url": "http://127.0.0.1:9/hook", **LOOPBACK, **FAST_RETRIES})
    shop = emulator.new_shop()
    emulator.orders(shop, paid=False)
    (delivery,) = wait_for(lambda: emulator.deliveries(shop_id=shop.shop_id, outcome="failed"))
    assert all(attempt["error"] and attempt["status_code"] is None for attempt in delivery["attempts"])


def test_drop_rate_loses_pushes_silently(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator = with_receiver(start_emulator, receiver, drop_rate=1.0)
    shop = emulator.new_shop()
    emulator.orders(shop, count=3)
    assert {d["outcome"] for d in emulator.deliveries(shop_id=shop.shop_id)} == {"dropped"}
    emulator.patch("/webhooks", {"drop_rate": 0})
    emulator.orders(shop, paid=False)
    wait_for(lambda: receiver.pushes)
    assert [push.json["data"]["order_status"] for push in receiver.pushes] == ["UNPAID"]


def test_duplicate_rate_sends_the_same_notification_twice(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver, duplicate_rate=1.0)
    shop = emulator.new_shop()
    emulator.orders(shop, paid=False)
    wait_for(lambda: len(receiver.pushes) == 2)
    first, second = receiver.pushes
    assert first.body == second.body
    (delivery,) = emulator.deliveries(shop_id=shop.shop_id)
    assert delivery["duplicated"] and [a["duplicate"] for a in delivery["attempts"]] == [False, True]


def test_paused_pushes_wait_and_reorder_shuffles_them(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver, paused=True, reorder=True)
    shop = emulator.new_shop()
    orders = emulator.orders(shop, count=8, paid=False)
    assert {d["outcome"] for d in emulator.deliveries(shop_id=shop.shop_id)} == {"pending"}
    assert receiver.pushes == []
    emulator.patch("/webhooks", {"paused": False})
    wait_for(lambda: len(receiver.pushes) == 8)
    arrived = [push.json["data"]["order_id"] for push in receiver.pushes]
    created = [order["id"] for order in orders]
    assert sorted(arrived) == sorted(created) and arrived != created


def test_without_reorder_a_shops_pushes_arrive_in_order(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver, paused=True)
    shop = emulator.new_shop()
    orders = emulator.orders(shop, count=8, paid=False)
    emulator.patch("/webhooks", {"paused": False})
    wait_for(lambda: len(receiver.pushes) == 8)
    assert [push.json["data"]["order_id"] for push in receiver.pushes] == [order["id"] for order in orders]


def test_webhook_settings_reject_unknown_knobs(emulator: Emulator) -> None:
    assert emulator.admin.patch("/webhooks", json={"drop_rat": 0.5}).status_code == 422
    assert emulator.admin.patch("/webhooks", json={"drop_rate": 2}).status_code == 422


def test_deauthorization_pushes_type_6_and_revokes_tokens(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver)
    shop = emulator.new_shop(shops=2)
    emulator.post(f"/sellers/{shop.seller_id}/deauthorize", expect=204)
    answer = shop.api.call("GET", "/logistics/202309/warehouses")
    assert answer.code == 36009004 and "x-tts-access-token" in answer.message
    pushes = wait_for(lambda: receiver.of_type(6) if len(receiver.of_type(6)) == 2 else None)
    assert {p["shop_id"] for p in pushes} == {s["id"] for s in emulator.get("/sellers")[0]["shops"]}
    assert all(
        p["data"]["message"] == f"Shop_id {p['shop_id']} is deauthorized from your APP by merchant."
        for p in pushes
    )
    refresh = emulator.http.get(
        "/api/v2/token/refresh",
        params={
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "refresh_token": shop.refresh_token,
            "grant_type": "refresh_token",
        },
    )
    assert refresh.json()["code"] == 36004005


def test_upcoming_expiration_pushes_type_7(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator = with_receiver(start_emulator, receiver)
    shop = emulator.new_shop()
    expiry = emulator.post(f"/sellers/{shop.seller_id}/authorization_expiring")["expiration_time"]
    (push,) = wait_for(lambda: receiver.of_type(7))
    assert push["data"]["expiration_time"] == str(expiry) and push["data"]["message"]


def test_address_changes_push_type_3(start_emulator: StartEmulator, receiver: Receiver) -> None:
    emulator = with_receiver(start_emulator, receiver)
    shop = emulator.new_shop()
    order = emulator.orders(shop, on_hold=False, undeliverable_address=True)[0]
    new_address = {
        "name": "Pat Real",
        "street": "1 Main St",
        "city": "Austin",
        "state": "Texas",
        "postal_code": "78701",
    }
    assert emulator.admin.put(f"/orders/{order['id']}/address", json=new_address).status_code == 200
    (push,) = wait_for(lambda: receiver.of_type(3))
    assert push["data"]["order_id"] == order["id"]
    found = shop.api.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    assert found["recipient_address"]["postal_code"] == "78701"
    assert found["update_time"] == push["data"]["update_time"]


def test_cancellations_push_type_11_and_cancelled_orders_type_1(
    start_emulator: StartEmulator, receiver: Receiver
) -> None:
    emulator = with_receiver(start_emulator, receiver)
    shop = emulator.new_shop()
    order = emulator.orders(shop)[0]
    emulator.post(f"/orders/{order['id']}/cancellations", {}, expect=201)
    wait_for(lambda: receiver.of_type(11) and "CANCEL" in order_pushes(receiver, order["id"]))
    (cancel,) = receiver.of_type(11)
    assert cancel["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert cancel["data"]["cancellations_role"] == "BUYER" and cancel["data"]["order_id"] == order["id"]
