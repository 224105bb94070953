"""Seller authorization and tokens as reference §3 says: redirects, single-use codes, absolute expiries."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from tiktok_sandbox_helpers import (
    APP_KEY,
    APP_SECRET,
    REDIRECT_URL,
    SERVICE_ID,
    Answer,
    Emulator,
    StartEmulator,
)

DAY = 24 * 3600


def authorize(emulator: Emulator, **params: str) -> httpx.Response:
    return emulator.http.get("/open/authorize", params={"service_id": SERVICE_ID, **params})


def redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URL + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def token_call(emulator: Emulator, path: str, **params: str) -> Answer:
    response = emulator.http.get(path, params={"app_key": APP_KEY, "app_secret": APP_SECRET, **params})
    return Answer(response.status_code, response.json())


def get_token(emulator: Emulator, code: str) -> Answer:
    return token_call(emulator, "/api/v2/token/get", auth_code=code, grant_type="authorized_code")


def refresh(emulator: Emulator, refresh_token: str) -> Answer:
    return token_call(
        emulator, "/api/v2/token/refresh", refresh_token=refresh_token, grant_type="refresh_token"
    )


def new_seller(emulator: Emulator, **fields: Any) -> dict[str, Any]:
    return dict(emulator.post("/sellers", {"name": "Lumen Goods", "shops": 2, **fields}, expect=201))


def approved_code(emulator: Emulator, seller_id: str) -> str:
    return redirect_query(authorize(emulator, state="s1", seller_id=seller_id, decision="approve"))["code"]


def test_the_authorize_page_lists_sellers_with_authorize_and_deny_forms(emulator: Emulator) -> None:
    seller = new_seller(emulator)
    page = authorize(emulator, state="xyz")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Lumen Goods" in page.text
    form = re.search(
        rf'<form method="post" action="([^"]+)">(?:(?!</form>).)*{seller["id"]}.*?</form>', page.text
    )
    assert form is not None
    assert 'value="approve">Authorize' in form.group(0) and 'value="deny">Deny' in form.group(0)


def test_clicking_authorize_redirects_with_a_code_and_the_state(emulator: Emulator) -> None:
    seller = new_seller(emulator)
    form = {"service_id": SERVICE_ID, "state": "s-42", "seller_id": seller["id"], "decision": "approve"}
    query = redirect_query(emulator.http.post("/open/authorize/decision", data=form))
    assert query["state"] == "s-42"
    assert get_token(emulator, query["code"]).code == 0


def test_clicking_deny_redirects_with_auth_denied(emulator: Emulator) -> None:
    seller = new_seller(emulator)
    form = {"service_id": SERVICE_ID, "state": "s-43", "seller_id": seller["id"], "decision": "deny"}
    assert redirect_query(emulator.http.post("/open/authorize/decision", data=form)) == {
        "code": "null",
        "error": "auth_denied",
        "state": "s-43",
    }


def test_automation_gets_the_redirect_without_the_page(emulator: Emulator) -> None:
    seller = new_seller(emulator)
    approved = redirect_query(authorize(emulator, state="a", seller_id=seller["id"], decision="approve"))
    assert approved["state"] == "a" and approved["code"] != "null"
    denied = redirect_query(authorize(emulator, seller_id=seller["id"], decision="deny"))
    assert denied == {"code": "null", "error": "auth_denied"}  # App Store installs carry no state


def test_an_unknown_service_id_is_a_clear_400_page(emulator: Emulator) -> None:
    page = emulator.http.get("/open/authorize", params={"service_id": "who", "state": "x"})
    assert page.status_code == 400
    assert "service_id" in page.text


def test_token_get_answers_every_field_with_absolute_expiries(emulator: Emulator) -> None:
    seller = new_seller(emulator, base_region="GB")
    now = int(emulator.get("/clock")["now"])
    data = get_token(emulator, approved_code(emulator, seller["id"])).data
    assert set(data) == {
        "access_token",
        "access_token_expire_in",
        "refresh_token",
        "refresh_token_expire_in",
        "open_id",
        "seller_name",
        "seller_base_region",
        "user_type",
        "granted_scopes",
    }
    assert data["access_token"].startswith("ROW_")
    assert abs(data["access_token_expire_in"] - (now + 7 * DAY)) < 5
    assert abs(data["refresh_token_expire_in"] - (now + 365 * DAY)) < 5
    assert (data["seller_name"], data["seller_base_region"], data["user_type"]) == ("Lumen Goods", "GB", 0)
    assert data["open_id"] == seller["open_id"]
    assert "seller.order.info" in data["granted_scopes"]


def test_us_sellers_get_ttp_tokens(emulator: Emulator) -> None:
    data = get_token(emulator, approved_code(emulator, new_seller(emulator)["id"])).data
    assert data["access_token"].startswith("TTP_") and data["refresh_token"].startswith("TTP_")


def test_an_auth_code_works_once(emulator: Emulator) -> None:
    code = approved_code(emulator, new_seller(emulator)["id"])
    assert get_token(emulator, code).code == 0
    again = get_token(emulator, code)
    assert again.code == 36004005
    assert "already used" in again.message


def test_an_auth_code_expires_after_30_minutes_of_world_time(emulator: Emulator) -> None:
    seller = new_seller(emulator)
    fresh, stale = approved_code(emulator, seller["id"]), approved_code(emulator, seller["id"])
    emulator.advance(29 * 60)
    assert get_token(emulator, fresh).code == 0
    emulator.advance(61)
    expired = get_token(emulator, stale)
    assert expired.code == 36004005 and "expired" in expired.message


def test_token_endpoints_check_grant_type_and_secret(emulator: Emulator) -> None:
    code = approved_code(emulator, new_seller(emulator)["id"])
    wrong_grant = token_call(emulator, "/api/v2/token/get", auth_code=code, grant_type="authorization_code")
    assert (wrong_grant.status, wrong_grant.code) == (400, 36009004)
    assert "grant_type" in wrong_grant.message
    response = emulator.http.get(
        "/api/v2/token/get",
        params={
            "app_key": APP_KEY,
            "app_secret": "guess",
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )
    assert response.json()["code"] == 36009004 and "app_secret" in response.json()["message"]
    assert get_token(emulator, code).code == 0  # failed attempts did not use the code up
    missing = emulator.http.get("/api/v2/token/get", params={"app_key": APP_KEY})
    assert missing.json()["code"] == 36009004


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token_by_default(emulator: Emulator) -> None:
    first = get_token(emulator, approved_code(emulator, new_seller(emulator)["id"])).data
    emulator.advance(6 * DAY)
    renewed = refresh(emulator, first["refresh_token"]).data
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] == first["refresh_token"]
    assert renewed["refresh_token_expire_in"] == first["refresh_token_expire_in"]
    assert renewed["access_token_expire_in"] > first["access_token_expire_in"]
    assert emulator.caller(renewed["access_token"]).call("GET", "/authorization/202309/shops").code == 0


def test_refresh_can_rotate_the_refresh_token(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(world={"rotate_refresh_token": True})
    first = get_token(emulator, approved_code(emulator, new_seller(emulator)["id"])).data
    renewed = refresh(emulator, first["refresh_token"]).data
    assert renewed["refresh_token"] != first["refresh_token"]
    assert refresh(emulator, first["refresh_token"]).code == 36004005
    assert refresh(emulator, renewed["refresh_token"]).code == 0


def test_refresh_fails_once_the_authorization_has_ended(emulator: Emulator) -> None:
    data = get_token(emulator, approved_code(emulator, new_seller(emulator)["id"])).data
    emulator.advance(data["refresh_token_expire_in"] - int(emulator.get("/clock")["now"]) + 1)
    expired = refresh(emulator, data["refresh_token"])
    assert expired.code == 36004001
    assert refresh(emulator, "TTP_unknown").code == 36004005
