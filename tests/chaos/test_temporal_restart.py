"""The Temporal server killed mid-run and started again on the same SQLite file: nothing is lost.

The API and the in-process workers (the only ones) keep the client they started with. Their polls get
UNAVAILABLE while the server is gone, which the SDK retries for as long as it takes; the completions they
could not report are retried by the server after its timeouts. TikTok's webhooks are answered 200 and
recorded meanwhile, and the forwarder hands them over once Temporal is back.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from creatorflow.config import TikTokSettings
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.tables import WebhookRow, WebhookStatus
from creatorflow.tiktok.signing import sign_webhook
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop
from tests.e2e.conftest import e2e_stack, free_port
from tests.e2e.test_observability import running_api, until_serving
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections
from tests.keys import TEST_KEYRING, TEST_KEYS
from tests.unit.api.test_webhook_inbox import connect_shop, order_event
from workers.devserver import start_dev_server

BEFORE = 40  # orders paid before the outage
DURING = 10  # orders paid while Temporal is down
OUTAGE = 15.0  # seconds, at least


class RestartableDevServer:
    """A dev server of the test's own on a fixed port and SQLite file, so that it can be killed and started
    again at the same address with the same state (the module's dev server has neither)."""

    def __init__(self, database_file: Path) -> None:
        self.database_file = database_file
        self.port = free_port()
        self._env: WorkflowEnvironment | None = None

    @property
    def env(self) -> WorkflowEnvironment:
        assert self._env is not None, "not running"
        return self._env

    async def start(self) -> None:
        self._env = await start_dev_server(TEST_KEYRING, database_file=self.database_file, port=self.port)

    async def kill(self) -> None:
        """A hard stop, if running: `shutdown` SIGKILLs the CLI process (sdk-core's `EphemeralServer` holds
        it as a tokio `Child` and calls `kill()`), with no graceful drain."""
        if self._env is not None:
            await self._env.shutdown()
            self._env = None


@pytest.fixture
async def temporal(tmp_path: Path) -> AsyncIterator[RestartableDevServer]:
    server = RestartableDevServer(tmp_path / "temporal" / "temporal.db")
    await server.start()
    try:
        yield server
    finally:
        await server.kill()


@pytest.fixture
async def restart_stack(
    temporal: RestartableDevServer, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    """The stack on `temporal`, holding the client of its first start throughout."""
    async with e2e_stack(temporal.env, tmp_path, request, with_workers=True) as stack:
        yield stack


async def readyz(api_url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(f"{api_url}/readyz")


async def histories(client: Client, workflow_ids: set[str]) -> dict[str, tuple[str, list[HistoryEvent]]]:
    """Each workflow's current run and its history so far."""

    async def one(workflow_id: str) -> tuple[str, list[HistoryEvent]]:
        handle = client.get_workflow_handle(workflow_id)
        description = await handle.describe()
        history = await client.get_workflow_handle(workflow_id, run_id=description.run_id).fetch_history()
        return description.run_id, list(history.events)

    runs = await asyncio.gather(*(one(workflow_id) for workflow_id in sorted(workflow_ids)))
    return dict(zip(sorted(workflow_ids), runs, strict=True))


async def started_orders(stack: Stack) -> set[str]:
    """Order workflows the inbox has handed events to."""
    rows = await asyncio.to_thread(stack.store.webhooks, WebhookStatus.FORWARDED)
    return {row.workflow_id for row in rows if row.order_id}


async def webhook_rows(stack: Stack, ids: set[int]) -> list[WebhookRow]:
    rows = await asyncio.to_thread(stack.store.webhooks, None, 10_000)
    return [row for row in rows if row.id in ids]


async def deliveries_for(stack: Stack, shop: SandboxShop, order_ids: set[str]) -> list[dict[str, Any]]:
    """TikTok's pushes about these orders, each with its delivery attempts."""
    deliveries = await stack.control.deliveries(shop_id=shop.shop_id)
    return [d for d in deliveries if d["notification"]["data"].get("order_id") in order_ids]


def paid_out_of_hold(deliveries: list[dict[str, Any]]) -> set[str]:
    """The orders whose AWAITING_SHIPMENT push (hold over, ready to fulfil) was delivered."""
    return {
        d["notification"]["data"]["order_id"]
        for d in deliveries
        if d["notification"]["data"].get("order_status") == "AWAITING_SHIPMENT"
    }


async def test_temporal_killed_mid_run_and_restarted_loses_nothing(
    temporal: RestartableDevServer, restart_stack: Stack
) -> None:
    stack = restart_stack
    shop = await connect_sandbox_shop(stack)
    await stack.control.create_orders(shop.shop_id, shop.sku_id, count=BEFORE)

    # Mid-run: a quarter of the orders have their label; others are on their way, or still at TikTok.
    await eventually(
        lambda: asyncio.to_thread(stack.store.labels, shop.shop_id),
        lambda labels: len(labels) >= BEFORE // 4,
        timeout=120,
    )
    runs_before = await histories(stack.client, await started_orders(stack))
    states_at_kill = Counter(row.state for row in await projections(stack, shop.shop_id))
    await temporal.kill()
    down_at = time.monotonic()

    not_ready = await readyz(stack.api_url)
    assert not_ready.status_code == 503
    assert not_ready.json() == {
        "ready": False,
        "checks": {"database": True, "temporal": False},
        "failing": {"temporal": "not reachable"},
    }

    # Buyers keep paying; TikTok's webhooks about it reach the API while Temporal is down.
    during = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=DURING)
    during_ids = {order["id"] for order in during}
    await eventually(
        lambda: deliveries_for(stack, shop, during_ids),
        lambda ds: all(d["outcome"] != "pending" for d in ds) and paid_out_of_hold(ds) == during_ids,
        timeout=120,
    )
    pushed = await deliveries_for(stack, shop, during_ids)
    assert {d["outcome"] for d in pushed} == {"delivered"}, pushed  # TikTok got its 200
    held = await asyncio.to_thread(stack.store.webhooks, WebhookStatus.RECEIVED, 10_000)
    assert {row.order_id for row in held} >= during_ids
    accepted_while_down = {row.id for row in held if row.id is not None}
    # Long enough for what was in flight to time out: activities (4 s) and workflow tasks (10 s).
    await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))

    await temporal.start()
    print(
        f"at the kill: orders {dict(states_at_kill)}, {len(runs_before)} workflows; "
        f"down {time.monotonic() - down_at:.1f}s; {len(accepted_while_down)} webhooks held meanwhile"
    )

    every_order = BEFORE + DURING
    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", every_order), timeout=180)
    await eventually(
        lambda: webhook_rows(stack, accepted_while_down),
        lambda rows: all(row.status is WebhookStatus.FORWARDED for row in rows),
        timeout=120,
    )

    sold = await labels_sold(stack)
    assert sum(sold.values()) == every_order and set(sold.values()) == {1}
    # TikTok ships a package once and answers a repeat "already shipped" (a retry after a lost completion).
    labels = {label.order_id: label.tracking_number for label in stack.store.labels(shop_id=shop.shop_id)}
    on_tiktok = await stack.control.shop_orders(shop.shop_id)
    assert len(on_tiktok) == every_order
    for order in on_tiktok:
        assert order["status"] == "AWAITING_COLLECTION"
        assert len(order["packages"]) == 1 and order["tracking_number"] == labels[order["id"]]

    # The workflows running before the outage went on in the same run, on the history they had.
    runs_after = await histories(stack.client, set(runs_before))
    for workflow_id, (run_id, events) in runs_before.items():
        run_after, events_after = runs_after[workflow_id]
        assert run_after == run_id
        assert events_after[: len(events)] == events
    assert (await readyz(stack.api_url)).status_code == 200


async def test_api_started_while_temporal_is_down_takes_webhooks_and_forwards_them_once_it_is_up(
    temporal: RestartableDevServer, tmp_path: Path
) -> None:
    """A supervisor restarting the API during the outage must not leave TikTok without its 200."""
    await temporal.kill()
    store = Store(make_engine(f"sqlite:///{tmp_path / 'app.db'}"), TEST_KEYRING)
    create_schema(store.engine)
    connect_shop(store)
    event = order_event()
    tiktok = TikTokSettings()
    signed = {"authorization": sign_webhook(tiktok.app_key, tiktok.app_secret.get_secret_value(), event)}

    with running_api(f"127.0.0.1:{temporal.port}", tmp_path) as (api, log):
        await until_serving(api)
        async with httpx.AsyncClient(timeout=10) as http:
            assert (
                await http.post(f"{api}/webhooks/tiktok", content=event, headers=signed)
            ).status_code == 200
        assert (await readyz(api)).status_code == 503
        [held] = await asyncio.to_thread(store.webhooks)
        assert held.status is WebhookStatus.RECEIVED

        await temporal.start()
        [forwarded] = await eventually(
            lambda: asyncio.to_thread(store.webhooks),
            lambda rows: rows[0].status is WebhookStatus.FORWARDED,
        )
        assert (await readyz(api)).status_code == 200, log.read_text()[-2000:]
    description = await temporal.env.client.get_workflow_handle(forwarded.workflow_id).describe()
    assert description.status is WorkflowExecutionStatus.RUNNING


def test_worker_started_while_temporal_is_down_exits_for_its_supervisor_to_restart(tmp_path: Path) -> None:
    """Workers cannot wait on a lazy client: the process fails at once, loudly, and `restart: on-failure`
    tries again."""
    env = {
        **os.environ,
        "CREATORFLOW_TEMPORAL__ADDRESS": f"127.0.0.1:{free_port()}",
        "CREATORFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "CREATORFLOW_DATA_DIR": str(tmp_path),
        "CREATORFLOW_ENCRYPTION_KEYS": TEST_KEYS,
    }
    creatorflow = Path(sys.executable).parent / "creatorflow"
    worker = subprocess.run([str(creatorflow), "worker"], env=env, capture_output=True, timeout=120)
    assert worker.returncode != 0 and b"Failed client connect" in worker.stdout + worker.stderr
