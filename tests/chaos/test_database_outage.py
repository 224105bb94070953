"""The app database (PostgreSQL) stopped for 15 s under the whole stack while orders flow and webhooks
arrive, then started again: nothing answered 200 is lost, and every order ends with one label.

The stack runs on a database of its own in a real PostgreSQL cluster, which the test stops and starts with
`pg_ctlcluster`. By default that is the machine's main cluster on 5432, as in CI; while developing, point
it at a private one (`pg_createcluster <version> chaos --port 5433 --start`, trust auth, a `test`
database) so nobody else loses their database:

    CREATORFLOW_CHAOS_PG_CLUSTER=chaos CREATORFLOW_CHAOS_PG_PORT=5433 \
        pytest tests/chaos/test_database_outage.py

Under CI=true a PostgreSQL that is not there fails the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from temporalio.testing import WorkflowEnvironment

from creatorflow.names import order_workflow_id
from creatorflow.store.db import make_engine
from creatorflow.store.tables import WebhookStatus
from creatorflow.tiktok.signing import sign_webhook
from devstack.polling import eventually
from devstack.stack import Stack, carrier_traffic, connect_sandbox_shop
from tests.e2e.conftest import e2e_stack
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections
from tests.system_tools import missing_system_tool
from workflows.order import OrderWorkflow

BEFORE = 30  # orders paid before the outage
DURING = 10  # orders paid while the database is down
OUTAGE = 15.0  # seconds
CLUSTER = os.environ.get("CREATORFLOW_CHAOS_PG_CLUSTER", "main")
PORT = int(os.environ.get("CREATORFLOW_CHAOS_PG_PORT", "5432"))
ADMIN_URL = f"postgresql://postgres@127.0.0.1:{PORT}/test"


@dataclass
class Cluster:
    """A PostgreSQL cluster of this machine, stopped and started as its operator would."""

    version: str
    name: str

    def _ctl(self, action: str, *options: str) -> None:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *options]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("start")

    def running(self) -> bool:
        status = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, "status"]
        return subprocess.run(status, capture_output=True, timeout=60).returncode == 0


def _cluster() -> Cluster:
    """The cluster to break: its version from /etc/postgresql (the one holding a cluster of that name)."""
    if shutil.which("pg_ctlcluster") is None:
        missing_system_tool("pg_ctlcluster not found (Debian's postgresql-common)")
    versions = sorted(path.parent.name for path in Path("/etc/postgresql").glob(f"*/{CLUSTER}"))
    if not versions:
        missing_system_tool(f"no PostgreSQL cluster named {CLUSTER!r} under /etc/postgresql")
    return Cluster(versions[-1], CLUSTER)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = _cluster()
    try:
        yield cluster
    finally:
        if not cluster.running():  # whatever happened, the machine keeps its database
            cluster.start()


@pytest.fixture
def database_url(cluster: Cluster) -> Iterator[str]:
    """A database of the test's own on the cluster, dropped afterwards."""
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        missing_system_tool(f"PostgreSQL not reachable at {ADMIN_URL}: {exc.__class__.__name__}")
    name = f"creatorflow_chaos_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not cluster.running():
            cluster.start()
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture
async def pg_stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[Stack]:
    async with e2e_stack(
        e2e_temporal, tmp_path, request, with_workers=True, database_url=database_url
    ) as stack:
        yield stack


@dataclass
class TikTokSender:
    """Sends signed order-status webhooks about the shop's orders, as TikTok would, and keeps every
    answer; an event not answered 200 is sent again later, as TikTok does."""

    stack: Stack
    shop_id: str
    order_ids: list[str]
    answers: list[tuple[str, int]] = field(default_factory=list)  # (event id, HTTP status)
    bodies: dict[str, bytes] = field(default_factory=dict)

    def event(self, n: int) -> tuple[str, bytes]:
        """An event that changes nothing (a status the order already had, dated before it), so the
        orders' course is TikTok's; the workflow still remembers its id."""
        notification = f"chaos-{n}"
        body = {
            "type": 1,
            "shop_id": self.shop_id,
            "tts_notification_id": notification,
            "timestamp": int(time.time()),
            "data": {
                "order_id": self.order_ids[n % len(self.order_ids)],
                "order_status": "AWAITING_SHIPMENT",
                "is_on_hold_order": False,
                "update_time": 1,
            },
        }
        return f"tts:1:{self.shop_id}:{notification}", json.dumps(body).encode()

    async def send(self, http: httpx.AsyncClient, event_id: str, body: bytes) -> int:
        tiktok = self.stack.settings.tiktok
        signature = sign_webhook(tiktok.app_key, tiktok.app_secret.get_secret_value(), body)
        answer = await http.post(
            f"{self.stack.api_url}/webhooks/tiktok", content=body, headers={"authorization": signature}
        )
        self.answers.append((event_id, answer.status_code))
        self.bodies[event_id] = body
        return answer.status_code

    async def run(self, stop: asyncio.Event) -> None:
        """One event every 100 ms until `stop`. (How fast each is answered is the benchmarks' business:
        the timeout only keeps a hung API from hanging the test.)"""
        async with httpx.AsyncClient(timeout=30) as http:
            n = 0
            while not stop.is_set():
                await self.send(http, *self.event(n))
                n += 1
                await asyncio.sleep(0.1)

    def not_accepted(self) -> set[str]:
        accepted = {event_id for event_id, status in self.answers if status == 200}
        return {event_id for event_id, _ in self.answers} - accepted

    async def send_again(self) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            for event_id in sorted(self.not_accepted()):
                await self.send(http, event_id, self.bodies[event_id])


async def readyz(stack: Stack) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(f"{stack.api_url}/readyz")


async def seen_by_workflows(stack: Stack, shop_id: str, order_ids: set[str]) -> set[str]:
    """Every event id the orders' workflows remember."""

    async def seen(order_id: str) -> list[str]:
        handle = stack.client.get_workflow_handle(order_workflow_id(shop_id, order_id))
        return (await handle.query(OrderWorkflow.current_state)).seen_event_ids

    return {event_id for ids in await asyncio.gather(*map(seen, sorted(order_ids))) for event_id in ids}


def database_failures(records: list[logging.LogRecord]) -> Counter[str]:
    """Activity attempts that failed on the unreachable database, per activity type."""
    return Counter(
        str(getattr(record, "temporal_activity", {}).get("activity_type", "?"))
        for record in records
        if record.name.startswith("temporalio.activity")
        and record.exc_info
        and isinstance(record.exc_info[1], OperationalError)
    )


async def test_postgres_stopped_mid_run_and_started_again_loses_nothing(
    cluster: Cluster, pg_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = pg_stack
    shop = await connect_sandbox_shop(stack)
    async with carrier_traffic(stack, shop.shop_id):
        before = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=BEFORE)
        before_ids = [order["id"] for order in before]
        # Mid-run: a quarter of the orders have their label; others are on their way.
        await eventually(
            lambda: asyncio.to_thread(stack.store.labels, shop.shop_id),
            lambda labels: len(labels) >= BEFORE // 4,
            timeout=120,
        )
        sender = TikTokSender(stack, shop.shop_id, before_ids)
        stop_sending = asyncio.Event()
        sending = asyncio.create_task(sender.run(stop_sending))
        await asyncio.sleep(1)  # some accepted before the outage

        cluster.stop()
        try:
            down_at = time.monotonic()
            not_ready = await readyz(stack)
            during = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=DURING)
            await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))
            refused_before_restart = sum(1 for _, status in sender.answers if status == 503)
        finally:
            cluster.start()
        back_at = time.monotonic()
        ready_again = await eventually(lambda: readyz(stack), lambda answer: answer.status_code == 200)
        await asyncio.sleep(1)  # some accepted after it
        stop_sending.set()
        await sending

        assert not_ready.status_code == 503, not_ready.text
        assert not_ready.json()["checks"] == {"database": False, "temporal": True}
        assert set(not_ready.json()["failing"]) == {"database"}
        assert ready_again.json() == {
            "ready": True,
            "checks": {"database": True, "temporal": True},
            "failing": {},
        }

        # Every webhook was accepted or refused with 503, never another answer; TikTok sends the refused
        # ones again, and they are accepted now.
        statuses = Counter(status for _, status in sender.answers)
        assert set(statuses) == {200, 503}, statuses
        assert refused_before_restart > 0
        await sender.send_again()
        assert sender.not_accepted() == set()

        # TikTok's own pushes about the orders paid meanwhile: refused, retried, delivered.
        during_ids = {order["id"] for order in during}
        every_order = set(before_ids) | during_ids
        await eventually(
            lambda: projections(stack, shop.shop_id), all_in("DELIVERED", len(every_order)), timeout=300
        )
        deliveries = await eventually(
            lambda: stack.control.deliveries(shop_id=shop.shop_id),
            lambda ds: all(d["outcome"] != "pending" for d in ds),
            timeout=300,
        )
        assert {d["outcome"] for d in deliveries} == {"delivered"}
        # An attempt is answered 200 or 503; one not answered within TikTok's 3 s (a loaded machine) has
        # no status, and TikTok sends it again like a 503.
        pushed = Counter(attempt["status_code"] for d in deliveries for attempt in d["attempts"])
        assert set(pushed) - {None} == {200, 503}, pushed

    # Each order has one label, bought once.
    sold = await labels_sold(stack)
    assert sum(sold.values()) == len(every_order) and set(sold.values()) == {1}, sold
    labels = await asyncio.to_thread(stack.store.labels, shop.shop_id)
    assert sorted(label.order_id for label in labels) == sorted(every_order)

    # Every event answered 200 reached its order's workflow.
    accepted = {event_id for event_id, status in sender.answers if status == 200}
    rows = await asyncio.to_thread(stack.store.webhooks, None, 100_000)
    recorded = {row.dedup_key: row for row in rows if row.source == "tiktok"}
    assert {recorded[event_id].status for event_id in accepted} == {WebhookStatus.FORWARDED}
    assert accepted <= await seen_by_workflows(stack, shop.shop_id, set(before_ids))

    # The store's activities failed while it was down, were retried, and went on once it was back.
    failures = database_failures(caplog.records)
    assert failures, "no activity met the outage"
    print(
        f"down {back_at - down_at:.1f}s; webhooks {dict(statuses)} (+{len(accepted) - statuses[200]} "
        f"accepted when sent again); TikTok's pushes {dict(pushed)}; activity attempts failed on the "
        f"database {dict(failures)}; {len(every_order)} orders delivered, {sum(sold.values())} labels"
    )
