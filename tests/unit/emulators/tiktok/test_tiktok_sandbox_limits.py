"""The rate limit per (app, shop, API) (§4) and injected faults answered in TikTok's envelope."""

from __future__ import annotations

import time

from tiktok_sandbox_helpers import Emulator, Shop, StartEmulator

WAREHOUSES = "/logistics/202309/warehouses"


def burst(shop: Shop, path: str, calls: int) -> list[tuple[int, int]]:
    return [(answer.status, answer.code) for answer in (shop.api.call("GET", path) for _ in range(calls))]


def test_a_burst_over_the_qps_gets_429_per_shop_and_api(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(gateway={"qps": 5})
    shop, other_shop = emulator.new_shop(), emulator.new_shop()
    answers = burst(shop, WAREHOUSES, 10)
    assert answers[:5] == [(200, 0)] * 5
    assert (429, 36009002) in answers[5:]
    assert set(answers) == {(200, 0), (429, 36009002)}
    assert burst(other_shop, WAREHOUSES, 1) == [(200, 0)]
    assert burst(shop, f"/logistics/202309/warehouses/{shop.warehouse_id}/delivery_options", 1) == [(200, 0)]
    time.sleep(0.25)
    assert burst(shop, WAREHOUSES, 1) == [(200, 0)]


def test_the_qps_is_set_through_the_admin_api(start_emulator: StartEmulator) -> None:
    emulator = start_emulator()
    shop = emulator.new_shop()
    assert {code for _, code in burst(shop, WAREHOUSES, 20)} == {0}
    assert emulator.patch("/gateway", {"qps": 2})["qps"] == 2
    assert {code for _, code in burst(shop, WAREHOUSES, 5)} == {0, 36009002}
    assert emulator.admin.patch("/gateway", json={"qps": 0}).status_code == 422


def test_injected_5xx_and_429_answer_in_the_envelope(emulator: Emulator, shop: Shop) -> None:
    for kind, expected in (("5xx", (500, 36009003)), ("429", (429, 36009002))):
        rule = {"path": "/logistics/*", "error_rate": 1, "kinds": [kind], "times": 1}
        assert emulator.admin.put("/faults", json=[rule]).status_code == 200
        failed = shop.api.call("GET", WAREHOUSES)
        assert (failed.status, failed.code) == expected and failed.body["request_id"] and failed.data is None
        assert shop.api.call("GET", WAREHOUSES).code == 0
    emulator.admin.delete("/faults")


def test_an_injected_timeout_hangs_then_answers_504(emulator: Emulator, shop: Shop) -> None:
    emulator.admin.put(
        "/faults", json=[{"path": WAREHOUSES, "error_rate": 1, "kinds": ["timeout"], "times": 1}]
    )
    started = time.monotonic()
    answer = shop.api.call("GET", WAREHOUSES)
    assert time.monotonic() - started >= 0.3
    assert (answer.status, answer.code) == (504, 36009007)
    emulator.admin.delete("/faults")


def test_the_timeout_hang_is_set_through_the_admin_api(start_emulator: StartEmulator) -> None:
    emulator = start_emulator()
    shop = emulator.new_shop()
    assert emulator.patch("/gateway", {"timeout_hang_seconds": 0.05})["timeout_hang_seconds"] == 0.05
    emulator.admin.put("/faults", json=[{"path": WAREHOUSES, "error_rate": 1, "kinds": ["timeout"]}])
    started = time.monotonic()
    assert shop.api.call("GET", WAREHOUSES).code == 36009007
    assert time.monotonic() - started < 0.3


def test_a_lost_response_after_shipping_makes_the_retry_see_its_own_shipment(
    emulator: Emulator, shop: Shop
) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    path = f"/fulfillment/202309/orders/{order['id']}/packages"
    rule = {"path": path, "after_commit": "5xx", "after_commit_rate": 1, "times": 1}
    emulator.admin.put("/faults", json=[rule])
    body = {"tracking_number": "1ZLOST", "shipping_provider_id": "6617675021119438849"}
    lost = shop.api.call("POST", path, body=body)
    assert (lost.status, lost.code) == (500, 36009003)
    assert emulator.order(order["id"])["order"]["status"] == "AWAITING_COLLECTION"
    assert shop.api.call("POST", path, body=body).code == 21011040
    # The ledger keeps the work's own code (0: shipped, though the answer was lost), and tells the refusal,
    # answered with HTTP 200 too, by its code.
    assert [(entry["status"], entry["code"], entry["fault"]) for entry in emulator.ledger(path)] == [
        (500, 0, "after_commit:5xx"),
        (200, 21011040, None),
    ]
    emulator.admin.delete("/faults")


def test_a_refusal_is_not_lost_after_commit_since_nothing_was_committed(
    emulator: Emulator, shop: Shop
) -> None:
    order = emulator.orders(shop, on_hold=False)[0]
    path = f"/fulfillment/202309/orders/{order['id']}/packages"
    body = {"tracking_number": "1ZTWICE", "shipping_provider_id": "6617675021119438849"}
    assert shop.api.call("POST", path, body=body).code == 0
    emulator.admin.put("/faults", json=[{"path": path, "after_commit": "5xx", "after_commit_rate": 1}])

    refused = shop.api.call("POST", path, body=body)

    assert (refused.status, refused.code) == (200, 21011040)
    assert [entry["fault"] for entry in emulator.ledger(path)] == [None, None]
    emulator.admin.delete("/faults")
