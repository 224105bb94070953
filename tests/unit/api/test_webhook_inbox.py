"""The webhook endpoint over real HTTP: verify, record and answer; the forwarder then delivers each event
in the background, in order per workflow, and never loses an accepted one.

Temporal is replaced by an in-memory gateway here so its outages can be staged; the real gateway is
exercised end to end in tests/e2e.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, SecretStr
from sqlalchemy.exc import OperationalError

from creatorflow.api.app import create_app
from creatorflow.api.inbox import WebhookInbox
from creatorflow.api.onboarding import Onboarding
from creatorflow.config import ShippoSettings, TikTokSettings
from creatorflow.crypto import Keyring
from creatorflow.domain import Provider
from creatorflow.gateway import WorkflowClosedError
from creatorflow.inventory import CatalogChange
from creatorflow.logs import JsonFormatter
from creatorflow.names import OrderMessage, ShopMessage
from creatorflow.orders import TikTokOrderEvent
from creatorflow.shipping.base import Carrier
from creatorflow.shipping.shippo import ShippoCarrier
from creatorflow.shops import ShopAuthorizationEvent, ShopConnected
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.tables import ShopStatus, WebhookRow, WebhookStatus
from creatorflow.tiktok.models import AuthorizedShop, TokenGrant
from creatorflow.tiktok.signing import sign_webhook
from devstack.polling import eventually
from starter.serving import serving

TIKTOK = TikTokSettings(app_key="test_key", app_secret=SecretStr("test_secret"))
SHOP = "7495540735365777507"


@dataclass
class FakeGateway:
    up: bool = True
    answering: bool = True  # False: calls hang, as Temporal's client retrying a server that is gone
    order_calls: int = 0
    closed: set[str] = field(default_factory=set)
    signals: list[tuple[str, str, str, BaseModel, bool]] = field(default_factory=list)
    shop_signals: list[tuple[str, str, BaseModel]] = field(default_factory=list)
    catalog_changes: list[tuple[str, CatalogChange]] = field(default_factory=list)

    async def signal_order(
        self, shop_id: str, order_id: str, signal: str, payload: BaseModel, *, start: bool
    ) -> str:
        self.order_calls += 1
        if not self.answering:
            await asyncio.Event().wait()
        if not self.up:
            raise ConnectionError("temporal is down")
        if order_id in self.closed:
            raise WorkflowClosedError(f"order {order_id} finished")
        self.signals.append((shop_id, order_id, signal, payload, start))
        return f"order:{shop_id}:{order_id}"

    async def signal_shop(self, shop_id: str, signal: str, payload: BaseModel) -> str:
        if not self.up:
            raise ConnectionError("temporal is down")
        self.shop_signals.append((shop_id, signal, payload))
        return f"shop:{shop_id}"

    async def signal_catalog(self, shop_id: str, change: CatalogChange) -> str:
        if not self.up:
            raise ConnectionError("temporal is down")
        self.catalog_changes.append((shop_id, change))
        return f"catalog:{shop_id}"

    async def shop_connected(self, shop_id: str, connected: ShopConnected) -> None:
        await self.signal_shop(shop_id, ShopMessage.CONNECTED, connected)
        await self.signal_catalog(shop_id, CatalogChange(source="connect"))

    async def ready(self) -> bool:
        return self.up


@dataclass
class Api:
    url: str
    store: Store
    gateway: FakeGateway
    inbox: WebhookInbox

    async def post(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"content-type": "application/json"}
        if signature == "sign":
            signature = sign_webhook(TIKTOK.app_key, TIKTOK.app_secret.get_secret_value(), body)
        if signature is not None:
            headers["authorization"] = signature
        async with httpx.AsyncClient() as http:
            return await http.post(f"{self.url}/webhooks/tiktok", content=body, headers=headers)

    async def handled(self) -> list[WebhookRow]:
        """The inbox once the forwarder has delivered (or set aside) every event it was given."""
        return await eventually(
            lambda: asyncio.to_thread(self.store.webhooks),
            lambda rows: all(row.status is not WebhookStatus.RECEIVED for row in rows),
            timeout=20,
            interval=0.02,
            what="every webhook forwarded",
        )


def connect_shop(store: Store) -> None:
    """SHOP connected, as our OAuth callback leaves it."""
    now = int(time.time())
    store.save_authorized_shops(
        [AuthorizedShop(id=SHOP, cipher="ROW_1")],
        TokenGrant(
            access_token="a",
            access_token_expire_in=now + 100,
            refresh_token="r",
            refresh_token_expire_in=now + 100,
        ),
    )


@contextlib.asynccontextmanager
async def running_api(
    tmp_path: Path,
    carriers: Mapping[Provider, Carrier] | None = None,
    unmatched_tracking_grace: timedelta = timedelta(hours=1),
) -> AsyncIterator[Api]:
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    create_schema(engine)
    store = Store(engine, Keyring.parse(Keyring.generate_spec()))
    connect_shop(store)
    gateway = FakeGateway()
    inbox = WebhookInbox(
        store,
        gateway,
        TIKTOK,
        carriers or {},
        unmatched_tracking_grace=unmatched_tracking_grace,
        forward_timeout=0.2,
        retry_after=timedelta(0),  # a failed event is due again at once: the tests say when to retry
    )
    onboarding = Onboarding(store, TIKTOK, gateway)
    async with serving(create_app(inbox, onboarding, store, forward_interval=3600)) as url:
        yield Api(url, store, gateway, inbox)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(tmp_path) as api:
        yield api


def order_event(
    order_id: str = "576653688135258178", status: str = "AWAITING_SHIPMENT", notification: str | None = "n1"
) -> bytes:
    body: dict[str, object] = {"type": 1, "shop_id": SHOP, "timestamp": 1718305585}
    if notification:
        body["tts_notification_id"] = notification
    body["data"] = {
        "order_id": order_id,
        "order_status": status,
        "is_on_hold_order": False,
        "update_time": 1718305585,
    }
    return json.dumps(body).encode()


async def test_signed_event_is_recorded_and_signals_the_order(api: Api) -> None:
    response = await api.post(order_event())
    assert (response.status_code, response.content) == (200, b"")
    [row] = await api.handled()
    [(shop_id, order_id, signal, payload, start)] = api.gateway.signals
    assert (shop_id, order_id, signal, start) == (SHOP, "576653688135258178", OrderMessage.TIKTOK_EVENT, True)
    assert payload == TikTokOrderEvent(
        event_id=f"tts:1:{SHOP}:n1", tiktok_status="AWAITING_SHIPMENT", update_time=1718305585
    )
    assert row.status is WebhookStatus.FORWARDED and row.workflow_id == f"order:{SHOP}:576653688135258178"


async def test_a_package_update_wakes_every_order_it_names_once(api: Api) -> None:
    """A combine names several orders: each re-reads its packages; a repeat wakes none of them again."""
    body = json.dumps(
        {
            "type": 4,
            "shop_id": SHOP,
            "timestamp": 1718305585,
            "tts_notification_id": "p1",
            "data": {
                "sc_type": "COMBINE",
                "role_type": "ROLE_SELLER",
                "package_list": [
                    {"package_id": "1153001", "order_id_list": ["5761", "5762"]},
                    {"package_id": "1153002", "order_id_list": ["5762"]},
                ],
                "update_time": 1718305585,
            },
        }
    ).encode()
    for _ in range(2):
        assert (await api.post(body)).status_code == 200
    assert [(order_id, payload) for _, order_id, _, payload, _ in api.gateway.signals] == [
        (
            order_id,
            TikTokOrderEvent(event_id=f"tts:4:{SHOP}:p1:{order_id}", kind="package", update_time=1718305585),
        )
        for order_id in ("5761", "5762")
    ]
    assert {row.order_id for row in api.store.webhooks()} == {"5761", "5762"}


@pytest.mark.parametrize(
    "signature", [None, "", "0" * 64, sign_webhook(TIKTOK.app_key, "wrong", order_event())]
)
async def test_forged_event_is_401_and_touches_nothing(api: Api, signature: str | None) -> None:
    response = await api.post(order_event(), signature=signature)
    assert (response.status_code, response.content) == (401, b"")
    assert api.gateway.signals == [] and api.store.webhooks() == []


async def test_malformed_body_is_400_and_kept_for_inspection(api: Api) -> None:
    body = b'{"type": 1, "shop_id": '
    response = await api.post(body)
    assert response.status_code == 400
    [row] = api.store.webhooks()
    assert row.status is WebhookStatus.MALFORMED and row.body == body and row.error
    assert api.gateway.signals == []


async def test_duplicates_are_answered_200_and_forwarded_once(api: Api) -> None:
    for _ in range(3):
        assert (await api.post(order_event())).status_code == 200
    assert len(await api.handled()) == 1
    assert len(api.gateway.signals) == 1


async def test_event_accepted_while_temporal_is_down_is_forwarded_later(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.gateway.up = False
    response = await api.post(order_event())
    assert response.status_code == 200
    [kept] = await eventually(
        lambda: asyncio.sleep(0, [r for r in caplog.records if "kept for later" in r.message]), bool
    )
    kept = json.loads(JsonFormatter().format(kept))
    [row] = api.store.webhooks()
    assert row.status is WebhookStatus.RECEIVED
    assert (kept["shop_id"], kept["order_id"]) == (SHOP, "576653688135258178")
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{api.url}/readyz")).status_code == 503

    api.gateway.up = True
    assert await api.inbox.forward_pending() == 1
    assert len(api.gateway.signals) == 1
    assert api.store.webhooks()[0].status is WebhookStatus.FORWARDED


async def test_the_forwarder_outlives_a_pass_that_failed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database unreachable for one claim: the next one still forwards what was accepted."""
    claim = api.store.claim_webhooks
    failures = iter([OperationalError("UPDATE", {}, Exception("database is gone"))])

    def claim_once_unreachable(*args: object) -> list[WebhookRow]:
        for failure in failures:
            raise failure
        return claim(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(api.store, "claim_webhooks", claim_once_unreachable)
    assert (await api.post(order_event())).status_code == 200
    forwarder = asyncio.create_task(api.inbox.run_forwarder(interval=0.05))
    try:
        [row] = await api.handled()
        assert row.status is WebhookStatus.FORWARDED and len(api.gateway.signals) == 1
    finally:
        forwarder.cancel()


async def test_while_temporal_does_not_answer_events_are_recorded_without_waiting_for_it(api: Api) -> None:
    """Every event is answered once recorded, whatever Temporal does; the forwarder's calls wait out their
    timeout in the background, and it gets them through once Temporal answers again."""
    api.gateway.answering = False
    for n in range(3):
        assert (
            await api.post(order_event(order_id=f"57600000000000000{n}", notification=f"n{n}"))
        ).status_code == 200
    assert {row.status for row in api.store.webhooks()} == {WebhookStatus.RECEIVED}

    api.gateway.answering = True
    await api.inbox.forward_pending()
    assert (await api.post(order_event(order_id="576000000000000003", notification="n3"))).status_code == 200
    assert {row.status for row in await api.handled()} == {WebhookStatus.FORWARDED}
    assert sorted(order_id for _, order_id, *_ in api.gateway.signals) == [
        f"57600000000000000{n}" for n in range(4)
    ]


async def test_events_of_one_order_reach_its_workflow_in_the_order_received(api: Api) -> None:
    """The first event fails once: the later ones of its order wait for it, other orders do not."""
    statuses = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT"]
    api.gateway.up = False
    assert (await api.post(order_event(status=statuses[0], notification="s0"))).status_code == 200
    await eventually(lambda: asyncio.sleep(0, api.gateway.order_calls), lambda calls: calls >= 1)
    api.gateway.up = True
    other = order_event(order_id="576000000000000009", notification="other")
    assert (await api.post(other)).status_code == 200
    for number, status in enumerate(statuses[1:], start=1):
        assert (await api.post(order_event(status=status, notification=f"s{number}"))).status_code == 200
    await api.inbox.forward_pending()
    await api.handled()
    told = [
        payload.tiktok_status
        for _, order_id, _, payload, _ in api.gateway.signals
        if order_id == "576653688135258178" and isinstance(payload, TikTokOrderEvent)
    ]
    assert told == statuses


async def test_events_of_unconnected_or_deauthorized_shops_start_nothing(api: Api) -> None:
    other = order_event().replace(SHOP.encode(), b"1111111111111111111")
    assert (await api.post(other)).status_code == 200
    api.store.set_shop_status(SHOP, ShopStatus.DEAUTHORIZED)
    assert (await api.post(order_event(notification="n2"))).status_code == 200
    rows = await api.handled()
    assert api.gateway.signals == []
    errors = sorted(row.error for row in rows)
    assert errors == ["shop 1111111111111111111 is not connected", f"shop {SHOP} is DEAUTHORIZED"]
    assert {row.status for row in rows} == {WebhookStatus.IGNORED}


async def test_late_event_for_a_finished_order_is_ignored(api: Api) -> None:
    api.gateway.closed.add("576653688135258178")
    assert (await api.post(order_event(status="COMPLETED"))).status_code == 200
    [row] = await api.handled()
    assert row.status is WebhookStatus.IGNORED and "finished" in row.error


async def test_topics_we_do_not_act_on_are_acknowledged_and_kept(api: Api) -> None:
    body = json.dumps(
        {"type": 13, "shop_id": SHOP, "timestamp": 1, "tts_notification_id": "m1", "data": {"id": 1}}
    ).encode()
    assert (await api.post(body)).status_code == 200
    [row] = api.store.webhooks()
    assert row.status is WebhookStatus.IGNORED and row.event_type == "13"
    assert api.gateway.signals == [] and api.gateway.catalog_changes == []


async def test_product_events_resync_the_shops_catalog(api: Api) -> None:
    for number, topic in enumerate((5, 15, 16)):
        data = {"product_id": 1729000000000000000 + number, "update_time": 1}
        body = {
            "type": topic,
            "shop_id": SHOP,
            "timestamp": 1,
            "tts_notification_id": f"p{number}",
            "data": data,
        }
        assert (await api.post(json.dumps(body).encode())).status_code == 200
    rows = await api.handled()
    assert api.gateway.catalog_changes == [
        (SHOP, CatalogChange(source="webhook", product_id=str(1729000000000000000 + number)))
        for number in range(3)
    ]
    assert {(row.status, row.workflow_id) for row in rows} == {(WebhookStatus.FORWARDED, f"catalog:{SHOP}")}
    assert api.gateway.signals == []


def shop_event(type_: int, data: dict[str, object], shop_id: str = SHOP, notification: str = "s1") -> bytes:
    body = {"type": type_, "tts_notification_id": notification, "shop_id": shop_id, "timestamp": 1718305585}
    return json.dumps({**body, "data": data}).encode()


async def test_authorization_events_go_to_the_shop_workflow_even_once_deauthorized(api: Api) -> None:
    deauthorized = shop_event(6, {"message": f"Shop_id {SHOP} is deauthorized from your APP by merchant."})
    assert (await api.post(deauthorized)).status_code == 200
    await api.handled()
    api.store.set_shop_status(SHOP, ShopStatus.DEAUTHORIZED)  # what the shop workflow then does
    expiring = shop_event(7, {"message": "expires soon", "expiration_time": "1750000000"}, notification="s2")
    assert (await api.post(expiring)).status_code == 200
    rows = await api.handled()

    pushed = datetime.fromtimestamp(1718305585, UTC)
    assert api.gateway.shop_signals == [
        (
            SHOP,
            ShopMessage.AUTHORIZATION_EVENT,
            ShopAuthorizationEvent(
                event_id=f"tts:6:{SHOP}:s1",
                kind="deauthorized",
                occurred_at=pushed,
                message=f"Shop_id {SHOP} is deauthorized from your APP by merchant.",
            ),
        ),
        (
            SHOP,
            ShopMessage.AUTHORIZATION_EVENT,
            ShopAuthorizationEvent(
                event_id=f"tts:7:{SHOP}:s2",
                kind="expiring",
                occurred_at=pushed,
                message="expires soon",
                expires_at=datetime.fromtimestamp(1750000000, UTC),
            ),
        ),
    ]
    assert api.gateway.signals == []
    assert {row.workflow_id for row in rows} == {f"shop:{SHOP}"}


async def test_authorization_event_of_an_unknown_shop_starts_nothing(api: Api) -> None:
    body = shop_event(6, {"message": "gone"}, shop_id="1111111111111111111")
    assert (await api.post(body)).status_code == 200
    [row] = await api.handled()
    assert api.gateway.shop_signals == []
    assert row.status is WebhookStatus.IGNORED and row.error == "shop 1111111111111111111 is not connected"


SHIPPO = ShippoSettings(webhook_token=SecretStr("shippo-token"))


async def post_to_shippo_endpoint(api: Api, body: dict[str, object]) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{api.url}/webhooks/shippo", params={"token": "shippo-token"}, content=json.dumps(body).encode()
        )


def shippo_tracking(tracking_number: str) -> dict[str, object]:
    at = "2026-12-01T10:00:00Z"
    status = {"status": "TRANSIT", "status_details": "Accepted", "status_date": at, "object_created": at}
    data = {"carrier": "usps", "tracking_number": tracking_number, "tracking_status": status}
    return {"event": "track_updated", "data": {**data, "tracking_history": [status]}}


async def test_carrier_events_not_about_tracking_are_acknowledged_and_kept(tmp_path: Path) -> None:
    """A 4xx would only make the carrier retry the delivery, or switch the webhook off."""
    async with running_api(tmp_path, {Provider.SHIPPO: ShippoCarrier(SHIPPO)}) as api:
        response = await post_to_shippo_endpoint(api, {"event": "batch_created", "data": {"object_id": "b1"}})

        assert response.status_code == 200
        [row] = api.store.webhooks()
        assert (row.status, row.event_type) == (WebhookStatus.IGNORED, "batch_created")
        assert api.gateway.signals == []


async def test_tracking_of_a_label_we_never_bought_is_ignored_once_its_grace_is_over(tmp_path: Path) -> None:
    """Within the grace its label may still be on its way into the store; after it, retrying for ever
    would crowd real events out of every forwarding pass."""
    carriers: dict[Provider, Carrier] = {Provider.SHIPPO: ShippoCarrier(SHIPPO)}
    async with running_api(tmp_path / "patient", carriers) as api:
        assert (
            await post_to_shippo_endpoint(api, shippo_tracking("9400100000000000000001"))
        ).status_code == 200
        await api.inbox.forward_pending()
        assert [row.status for row in api.store.webhooks()] == [WebhookStatus.RECEIVED]

    async with running_api(tmp_path / "past", carriers, unmatched_tracking_grace=timedelta(0)) as api:
        assert (
            await post_to_shippo_endpoint(api, shippo_tracking("9400100000000000000001"))
        ).status_code == 200
        await api.inbox.forward_pending()
        [row] = api.store.webhooks()
        assert row.status is WebhookStatus.IGNORED and "9400100000000000000001" in row.error
        assert api.gateway.signals == []
