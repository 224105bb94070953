"""`creatorflow sandbox tiktok --port P` serves a TikTok a hand-signed client can talk to."""

from __future__ import annotations

import hashlib
import hmac
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tiktok_sandbox_helpers import wait_for

KEY, SECRET, SERVICE = "cli_app_key", "cli_app_secret", "cli_service"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hand_signed(path: str, query: dict[str, str], secret: str) -> str:
    """Reference §2.1 written out: path + sorted key/value pairs (no body on a GET), secret at both ends."""
    signed = path + "".join(f"{key}{query[key]}" for key in sorted(query))
    return hmac.new(secret.encode(), (secret + signed + secret).encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def cli_emulator(tmp_path: Path) -> Iterator[httpx.Client]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "creatorflow"), "sandbox", "tiktok", "--port", str(port)]
    command += ["--app-key", KEY, "--app-secret", SECRET, "--service-id", SERVICE]
    command += ["--redirect-url", "https://app.example/callback"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

    def serving() -> bool:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "exited"
        try:
            return client.get("/_admin/clock").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(serving, timeout=15)
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


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
