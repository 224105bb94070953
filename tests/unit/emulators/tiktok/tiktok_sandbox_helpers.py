"""Helpers for the TikTok Shop emulator tests: a caller that signs every request by hand (reference §2.1, via
creatorflow.tiktok.signing), a running emulator and its admin API, and what a webhook receiver records."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from creatorflow.tiktok.signing import sign_request
from devstack.background_server import BackgroundServer
from emulators.tiktok.app import TikTokEmulatorConfig, create_app

APP_KEY = "test_app_key"
APP_SECRET = "test_app_secret"
SERVICE_ID = "test_service_id"
REDIRECT_URL = "https://app.example/oauth/tiktok/callback"
T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 5.0) -> T:
    """Polls until `condition()` is truthy (webhooks and timers are asynchronous) and returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


@dataclass
class Answer:
    """An Open API response: the HTTP status and TikTok's envelope."""

    status: int
    body: dict[str, Any]

    @property
    def code(self) -> int:
        return int(self.body["code"])

    @property
    def message(self) -> str:
        return str(self.body["message"])

    @property
    def data(self) -> Any:
        return self.body["data"]


class Caller:
    """Calls the Open API as a TikTok client must: signed query, `x-tts-access-token` header, shop_cipher."""

    def __init__(self, http: httpx.Client, token: str | None, cipher: str | None) -> None:
        self.http = http
        self.token = token
        self.cipher = cipher

    def signed_query(
        self,
        path: str,
        params: dict[str, str],
        body: bytes,
        *,
        secret: str = APP_SECRET,
        timestamp: int | None = None,
    ) -> dict[str, str]:
        query = {"app_key": APP_KEY, "timestamp": str(timestamp or int(time.time())), **params}
        if self.cipher is not None:
            query["shop_cipher"] = self.cipher
        query["sign"] = sign_request(secret, path, query, body)
        return query

    def send(self, method: str, path: str, query: dict[str, str], body: bytes = b"") -> Answer:
        headers = {"content-type": "application/json"}
        if self.token is not None:
            headers["x-tts-access-token"] = self.token
        response = self.http.request(method, path, params=query, content=body, headers=headers)
        return Answer(response.status_code, response.json())

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Answer:
        raw = json.dumps(body).encode() if body is not None else b""
        query = {key: str(value) for key, value in (params or {}).items()}
        return self.send(method, path, self.signed_query(path, query, raw), raw)

    def ok(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """`data` of a call that must succeed."""
        answer = self.call(method, path, params, body)
        assert answer.code == 0, answer.body
        return answer.data


@dataclass
class Shop:
    """A seller with one shop, authorized, with two SKUs in stock."""

    seller_id: str
    shop_id: str
    cipher: str
    warehouse_id: str
    token: str
    refresh_token: str
    product_id: str
    sku_ids: list[str]
    api: Caller


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)
        self.admin = httpx.Client(base_url=f"{url}/_admin", timeout=10)

    def close(self) -> None:
        self.http.close()
        self.admin.close()

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.admin.post(path, json=body)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def get(self, admin_path: str, **params: Any) -> Any:
        response = self.admin.get(admin_path, params={k: v for k, v in params.items() if v is not None})
        assert response.status_code == 200, response.text
        return response.json()

    def patch(self, path: str, changes: dict[str, Any]) -> Any:
        response = self.admin.patch(path, json=changes)
        assert response.status_code == 200, response.text
        return response.json()

    def caller(self, token: str | None, cipher: str | None = None) -> Caller:
        return Caller(self.http, token, cipher)

    def new_shop(self, shops: int = 1, stock: int = 100) -> Shop:
        seller = self.post("/sellers", {"name": "Acme", "shops": shops}, expect=201)
        tokens = self.post(f"/sellers/{seller['id']}/tokens", expect=201)
        shop = seller["shops"][0]
        product = self.post(
            "/products",
            {
                "shop_id": shop["id"],
                "title": "Cotton Tee",
                "skus": [
                    {"seller_sku": "TEE-S", "price": "19.99", "stock": stock, "variant": "S"},
                    {"seller_sku": "TEE-M", "price": "21.50", "stock": stock, "variant": "M"},
                ],
            },
            expect=201,
        )
        return Shop(
            seller_id=seller["id"],
            shop_id=shop["id"],
            cipher=shop["cipher"],
            warehouse_id=shop["sales_warehouse_id"],
            token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            product_id=product["id"],
            sku_ids=[sku["id"] for sku in product["skus"]],
            api=self.caller(tokens["access_token"], shop["cipher"]),
        )

    def orders(self, shop: Shop, count: int = 1, quantity: int = 1, **options: Any) -> list[dict[str, Any]]:
        """Admin-created orders of SKU 0; `options` are /_admin/orders fields (paid, on_hold, status, ...)."""
        body = {
            "shop_id": shop.shop_id,
            "items": [{"sku_id": shop.sku_ids[0], "quantity": quantity}],
            "count": count,
        }
        return [entry["order"] for entry in self.post("/orders", {**body, **options}, expect=201)]

    def order(self, order_id: str) -> dict[str, Any]:
        return self.get(f"/orders/{order_id}")

    def advance(self, seconds: float) -> int:
        return int(self.post("/clock/advance", {"seconds": seconds})["now"])

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.get("/webhooks/deliveries", **filters))

    def ledger(self, path: str) -> list[dict[str, Any]]:
        return list(self.get("/ledger", path=path))


StartEmulator = Callable[..., Emulator]


@contextmanager
def running_emulator(state_file: Path | None = None, **overrides: Any) -> Iterator[Emulator]:
    """An emulator with the test app's credentials and short fault hangs; `overrides` are config fields;
    with `state_file` it resumes from and keeps its state there, as `creatorflow dev` runs it."""
    config = TikTokEmulatorConfig.model_validate(
        {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "service_id": SERVICE_ID,
            "redirect_url": REDIRECT_URL,
            "seed": 7,
            "gateway": {"timeout_hang_seconds": 0.3},
            **overrides,
        }
    )
    with BackgroundServer(create_app(config, state_file)) as server:
        emulator = Emulator(server.url)
        try:
            yield emulator
        finally:
            emulator.close()


@dataclass
class Push:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """A webhook endpoint: records every push and answers with `statuses` in turn (then 200)."""

    url: str = ""
    pushes: list[Push] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def of_type(self, webhook_type: int) -> list[dict[str, Any]]:
        return [push.json for push in self.pushes if push.json["type"] == webhook_type]
