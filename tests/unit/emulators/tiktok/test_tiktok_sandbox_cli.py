"""`creatorflow sandbox tiktok --port P` serves a TikTok a hand-signed client can talk to."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.sandbox_cli import sandbox_process

KEY, SECRET, SERVICE = "cli_app_key", "cli_app_secret", "cli_service"


def hand_signed(path: str, query: dict[str, str], secret: str) -> str:
    """Reference §2.1 written out: path + sorted key/value pairs (no body on a GET), secret at both ends."""
    signed = path + "".join(f"{key}{query[key]}" for key in sorted(query))
    return hmac.new(secret.encode(), (secret + signed + secret).encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def cli_emulator(tmp_path: Path) -> Iterator[httpx.Client]:
    app = ["--app-key", KEY, "--app-secret", SECRET, "--service-id", SERVICE]
    app += ["--redirect-url", "https://app.example/callback"]
    with (
        sandbox_process("tiktok", *app, workdir=tmp_path) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield client


def test_the_cli_emulator_accepts_hand_signed_calls_and_refuses_bad_signatures(
    cli_emulator: httpx.Client,
) -> None:
    seller = cli_emulator.get("/_admin/sellers").json()[0]  # the demo seller
    redirect = cli_emulator.get(
        "/open/authorize",
        params={"service_id": SERVICE, "state": "cli", "seller_id": seller["id"], "decision": "approve"},
    )
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    token_query = {"app_key": KEY, "app_secret": SECRET, "auth_code": code, "grant_type": "authorized_code"}
    token = cli_emulator.get("/api/v2/token/get", params=token_query).json()["data"]["access_token"]

    path = "/authorization/202309/shops"
    query = {"app_key": KEY, "timestamp": str(int(time.time()))}
    headers = {"x-tts-access-token": token, "content-type": "application/json"}
    good = cli_emulator.get(
        path, params={**query, "sign": hand_signed(path, query, SECRET)}, headers=headers
    ).json()
    assert good["code"] == 0
    assert {shop["id"] for shop in good["data"]["shops"]} == {shop["id"] for shop in seller["shops"]}
    bad = cli_emulator.get(
        path, params={**query, "sign": hand_signed(path, query, "wrong")}, headers=headers
    ).json()
    assert bad["code"] == 106001
