"""The Temporal server killed mid-run and started again on the same SQLite file: nothing is lost.

The API and the workers keep the client they started with. Their polls get UNAVAILABLE while the server
is gone, which the SDK retries for as long as it takes (a worker that failed instead would cancel this
test); completions they could not report are retried by the server after its timeouts. TikTok's webhooks
are answered 200 and recorded meanwhile, and the forwarder hands them over once Temporal is back.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from creatorflow.store.tables import WebhookEvent, WebhookStatus
from starter.stack import SandboxShop, Stack, connect_sandbox_shop
from tests.e2e.conftest import e2e_stack, eventually, free_port
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections
from tests.keys import TEST_KEYRING
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


async def readyz(stack: Stack) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(f"{stack.api_url}/readyz")


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


async def webhook_rows(stack: Stack, ids: set[int]) -> list[WebhookEvent]:
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
        lambda: asyncio.to_thread(stack.store.labels, shop.shop_id), lambda labels: len(labels) >= BEFORE // 4
    )
    runs_before = await histories(stack.client, await started_orders(stack))
    states_at_kill = Counter(row.state for row in await projections(stack, shop.shop_id))
    await temporal.kill()
    down_at = time.monotonic()

    not_ready = await readyz(stack)
    assert not_ready.status_code == 503 and not_ready.json() == {"database": True, "temporal": False}

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
    assert (await readyz(stack)).status_code == 200
