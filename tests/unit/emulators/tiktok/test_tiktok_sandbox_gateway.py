"""Every Open API call is checked as TikTok checks it: sign, timestamp, app_key, token, shop_cipher (§9)."""

from __future__ import annotations

import json
import time

from tiktok_sandbox_helpers import APP_SECRET, Emulator, Shop

from creatorflow.tiktok.signing import sign_request

SHOPS = "/authorization/202309/shops"
WAREHOUSES = "/logistics/202309/warehouses"
SEARCH = "/order/202309/orders/search"


def test_a_correctly_signed_call_succeeds_with_the_envelope(emulator: Emulator, shop: Shop) -> None:
    answer = emulator.caller(shop.token).call("GET", SHOPS)
    assert (answer.status, answer.code, answer.message) == (200, 0, "Success")
    assert [s["cipher"] for s in answer.data["shops"]] == [shop.cipher]
    assert answer.body["request_id"]


def test_request_ids_differ_on_every_call(emulator: Emulator, shop: Shop) -> None:
    caller = emulator.caller(shop.token)
    ids = {caller.call("GET", SHOPS).body["request_id"] for _ in range(5)}
    assert len(ids) == 5


def test_missing_sign_is_36009004(emulator: Emulator, shop: Shop) -> None:
    caller = emulator.caller(shop.token)
    query = caller.signed_query(SHOPS, {}, b"")
    del query["sign"]
    answer = caller.send("GET", SHOPS, query)
    assert (answer.status, answer.code) == (400, 36009004)
    assert "sign" in answer.message


def test_a_wrong_sign_is_106001(emulator: Emulator, shop: Shop) -> None:
    caller = emulator.caller(shop.token)
    answer = caller.send("GET", SHOPS, caller.signed_query(SHOPS, {}, b"", secret="not-the-secret"))
    assert answer.code == 106001


def test_the_body_is_part_of_the_signature(shop: Shop) -> None:
    signed_body = json.dumps({"order_status": "AWAITING_SHIPMENT"}).encode()
    query = shop.api.signed_query(SEARCH, {"page_size": "10"}, signed_body)
    answer = shop.api.send("POST", SEARCH, query, json.dumps({"order_status": "UNPAID"}).encode())
    assert answer.code == 106001
    assert shop.api.send("POST", SEARCH, query, signed_body).code == 0


def test_every_query_parameter_is_signed(shop: Shop) -> None:
    query = shop.api.signed_query(SEARCH, {"page_size": "10"}, b"{}")
    query["page_size"] = "20"
    assert shop.api.send("POST", SEARCH, query, b"{}").code == 106001


def test_timestamps_outside_the_window_are_refused_by_real_time(emulator: Emulator, shop: Shop) -> None:
    caller = emulator.caller(shop.token)
    now = int(time.time())
    for stale_or_early in (now - 301, now + 31):
        answer = caller.send("GET", SHOPS, caller.signed_query(SHOPS, {}, b"", timestamp=stale_or_early))
        assert (answer.status, answer.code) == (400, 36009004)
        assert "timestamp" in answer.message.lower()
    for edge in (now - 290, now + 25):
        assert caller.send("GET", SHOPS, caller.signed_query(SHOPS, {}, b"", timestamp=edge)).code == 0
    emulator.advance(3 * 3600)  # the world clock does not matter for this check
    assert caller.call("GET", SHOPS).code == 0


def test_an_unknown_app_key_is_refused(emulator: Emulator, shop: Shop) -> None:
    query = {"app_key": "someone_else", "timestamp": str(int(time.time()))}
    query["sign"] = sign_request(APP_SECRET, SHOPS, query)
    answer = emulator.caller(shop.token).send("GET", SHOPS, query)
    assert answer.code == 36009004
    assert answer.message == "Invalid credentials. Invalid 'app_key' query parameter."


def test_the_access_token_header_is_required_and_must_be_known(emulator: Emulator, shop: Shop) -> None:
    for token in (None, "ROW_not_a_token"):
        answer = emulator.caller(token).call("GET", SHOPS)
        assert (answer.status, answer.code) == (400, 36009004)
        assert "x-tts-access-token" in answer.message


def test_the_token_in_the_query_is_not_accepted(emulator: Emulator, shop: Shop) -> None:
    caller = emulator.caller(None)
    query = caller.signed_query(SHOPS, {"access_token": shop.token}, b"")
    assert caller.send("GET", SHOPS, query).code == 36009004


def test_an_expired_token_is_105002_by_the_world_clock(emulator: Emulator, shop: Shop) -> None:
    emulator.advance(7 * 24 * 3600 - 60)
    assert shop.api.call("GET", WAREHOUSES).code == 0
    emulator.advance(61)
    answer = shop.api.call("GET", WAREHOUSES)
    assert answer.code == 105002
    assert "Expired credentials" in answer.message


def test_admin_can_expire_one_token(emulator: Emulator, shop: Shop) -> None:
    emulator.post(f"/tokens/{shop.token}/expire", expect=204)
    assert shop.api.call("GET", WAREHOUSES).code == 105002


def test_shop_cipher_is_required_on_shop_apis(emulator: Emulator, shop: Shop) -> None:
    answer = emulator.caller(shop.token, cipher=None).call("GET", WAREHOUSES)
    assert answer.code == 106013


def test_shop_cipher_is_refused_on_authorization_and_seller_apis(emulator: Emulator, shop: Shop) -> None:
    for path in (SHOPS, "/seller/202309/shops"):
        answer = emulator.caller(shop.token, cipher=shop.cipher).call("GET", path)
        assert (answer.status, answer.code) == (400, 36009004)
        assert "Unexpected identifier" in answer.message


def test_a_token_only_opens_its_own_sellers_shops(emulator: Emulator, shop: Shop) -> None:
    other = emulator.new_shop()
    answer = emulator.caller(shop.token, cipher=other.cipher).call("GET", WAREHOUSES)
    assert answer.code == 101000


def test_one_token_covers_every_shop_of_the_seller(emulator: Emulator) -> None:
    seller = emulator.post(
        "/sellers", {"name": "Cross Border Co", "shops": 3, "seller_type": "CROSS_BORDER"}, 201
    )
    token = emulator.post(f"/sellers/{seller['id']}/tokens", expect=201)["access_token"]
    listed = emulator.caller(token).ok("GET", SHOPS)["shops"]
    assert {s["id"] for s in listed} == {s["id"] for s in seller["shops"]}
    assert {s["seller_type"] for s in listed} == {"CROSS_BORDER"}
    assert set(listed[0]) == {"id", "name", "region", "seller_type", "cipher", "code"}
    for listed_shop in listed:
        assert emulator.caller(token, listed_shop["cipher"]).call("GET", WAREHOUSES).code == 0


def test_arrays_go_as_one_comma_separated_value_not_repeated_keys(shop: Shop) -> None:
    path = "/order/202309/orders"
    query = [*shop.api.signed_query(path, {"ids": "1"}, b"").items(), ("ids", "2")]
    response = shop.api.http.get(path, params=query, headers={"x-tts-access-token": shop.token})
    assert response.json()["code"] == 36009004
    assert "comma-separated" in response.json()["message"]


def test_a_body_must_be_json(shop: Shop) -> None:
    body = b"order_status=UNPAID"
    query = shop.api.signed_query(SEARCH, {"page_size": "10"}, body)
    response = shop.api.http.post(
        SEARCH,
        params=query,
        content=body,
        headers={"x-tts-access-token": shop.token, "content-type": "text/plain"},
    )
    assert response.json()["code"] == 36009022


def test_unknown_paths_methods_and_versions_have_their_own_codes(shop: Shop) -> None:
    unknown = shop.api.call("GET", "/order/202309/no_such_thing")
    assert (unknown.status, unknown.code) == (404, 36009009)
    wrong_method = shop.api.call("DELETE", WAREHOUSES)
    assert wrong_method.code == 36009010
    old_version = shop.api.call("GET", "/logistics/202212/warehouses")
    assert old_version.code == 36009014
    assert old_version.message == "The version name is invalid, please check and retry."
