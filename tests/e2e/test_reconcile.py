"""Reconciliation: a Schedule per shop polls TikTok, so orders whose webhooks never came still ship."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from temporalio.client import Client, ScheduleIntervalSpec
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from creatorflow.names import order_workflow_id, reconcile_schedule_id
from creatorflow.orders import RETURN_STATES
from creatorflow.store.tables import utcnow
from creatorflow.sync import RECONCILE_CURSOR, SyncPolicy
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections
from tests.processes import creatorflow, worker_env
from workers.schedules import (
    delete_reconcile_schedule,
    ensure_reconcile_schedule,
    pause_reconcile_schedule,
    run_reconcile_now,
)
from workflows.order import OrderWorkflow


@pytest.fixture
async def shop(stack: Stack) -> SandboxShop:
    """A connected shop whose Schedule is paused: each test runs its passes itself, so a pass falling due
    on the clock mid-test cannot race them (a paused Schedule still runs a pass when triggered)."""
    connected = await connect_sandbox_shop(stack)
    await pause_reconcile_schedule(stack.client, connected.shop_id, "passes are run by the test")
    return connected


async def test_with_every_webhook_dropped_reconcile_ships_all_orders(stack: Stack, shop: SandboxShop) -> None:
    await stack.control.configure_webhooks(drop_rate=1.0)
    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=100)
    order_ids = {order["id"] for order in created}

    first = await (await run_reconcile_now(stack.client, shop.shop_id)).result()
    assert (first.seen, first.started, first.errors) == (100, 100, 0)
    # Paid minutes ago: TikTok's hold (a second in this sandbox) may have ended before the pass read them.
    assert sum(first.by_status.values()) == 100
    assert set(first.by_status) <= {"ON_HOLD", "AWAITING_SHIPMENT"}
    # The projection knew none of them before the pass: each is a miss of the data accuracy metric.
    checks = stack.store.reconcile_checks(shop.shop_id, utcnow() - timedelta(hours=1))
    assert order_ids <= {check.order_id for check in checks if not check.matched}

    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", 100), timeout=120)
    assert not [row for row in stack.store.webhooks() if row.source == "tiktok"]  # none ever arrived
    assert {label.order_id for label in stack.store.labels(shop_id=shop.shop_id)} == order_ids
    sold = await labels_sold(stack)
    assert sum(sold.values()) == 100 and set(sold.values()) == {1}
    cursor = stack.store.sync_cursor(shop.shop_id, RECONCILE_CURSOR)
    assert cursor == first.newest_update_time >= max(order["update_time"] for order in created)

    # The next pass reads from the cursor (minus the overlap): every order changed since (shipped), and
    # each is told once more; no workflow is started twice.
    second = await (await run_reconcile_now(stack.client, shop.shop_id)).result()
    assert (second.seen, second.started, second.already_existed, second.errors) == (100, 0, 100, 0)
    assert second.by_status == {"AWAITING_COLLECTION": 100}
    after = stack.store.sync_cursor(shop.shop_id, RECONCILE_CURSOR)
    assert after is not None and cursor is not None and after >= cursor
    assert sum((await labels_sold(stack)).values()) == 100
    no_429 = [entry for entry in await stack.control.ledger() if entry["status"] == 429]
    assert no_429 == []


async def test_a_buyer_cancellation_whose_webhook_was_lost_reaches_the_order(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, paid=False)
    await (await run_reconcile_now(stack.client, shop.shop_id)).result()
    await eventually(lambda: projections(stack, shop.shop_id), all_in("AWAITING_PAYMENT", 1))

    await stack.control.configure_webhooks(drop_rate=1.0)
    await stack.control.cancel_by_buyer(order["id"])
    progress = await (await run_reconcile_now(stack.client, shop.shop_id)).result()
    assert progress.already_existed >= 1 and progress.errors == 0
    await eventually(lambda: projections(stack, shop.shop_id), all_in("CANCELLED", 1))
    assert sum((await labels_sold(stack)).values()) == 0


async def test_the_schedule_is_created_once_updated_paused_and_deleted(
    e2e_temporal: WorkflowEnvironment,
) -> None:
    client: Client = e2e_temporal.client
    shop_id = "7495500000000000042"
    await ensure_reconcile_schedule(client, shop_id, SyncPolicy(reconcile_every=timedelta(minutes=5)))
    assert await pause_reconcile_schedule(client, shop_id, "seller deauthorized")
    handle = await ensure_reconcile_schedule(
        client, shop_id, SyncPolicy(reconcile_every=timedelta(minutes=2))
    )
    assert handle.id == reconcile_schedule_id(shop_id)
    schedule = (await handle.describe()).schedule
    assert schedule.spec.intervals == [ScheduleIntervalSpec(every=timedelta(minutes=2))]
    assert not schedule.state.paused  # ensuring it again resumes polling
    assert await delete_reconcile_schedule(client, shop_id)
    assert not await delete_reconcile_schedule(client, shop_id)
    assert not await pause_reconcile_schedule(client, shop_id, "gone")
    with pytest.raises(RPCError) as missing:  # `creatorflow reconcile` creates it then
        await run_reconcile_now(client, shop_id)
    assert missing.value.status is RPCStatusCode.NOT_FOUND


async def test_a_return_whose_webhook_was_lost_reaches_the_order_workflow(
    stack: Stack, shop: SandboxShop
) -> None:
    await stack.control.configure_webhooks(drop_rate=1.0)
    [order] = await stack.control.create_orders(
        shop.shop_id, shop.sku_id, status="DELIVERED", create_time=int(time.time()) - 3600
    )
    opened = await stack.control.open_return(order["id"], "RETURN_AND_REFUND")

    progress = await (await run_reconcile_now(stack.client, shop.shop_id)).result()

    assert (progress.seen, progress.started, progress.already_existed) == (2, 1, 1)
    handle = stack.client.get_workflow_handle_for(
        OrderWorkflow.run, order_workflow_id(shop.shop_id, order["id"])
    )
    # The order reads the request from TikTok and the after-sales policy takes it from there.
    state = await eventually(
        lambda: handle.query(OrderWorkflow.current_state), lambda found: found.return_request is not None
    )
    assert f"reconcile:return:{opened['return_id']}:{opened['update_time']}" in state.seen_event_ids
    assert state.return_request is not None and state.return_request.request_id == opened["return_id"]
    assert state.stage in RETURN_STATES


async def test_reconcile_command_runs_a_pass_now(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    await stack.control.configure_webhooks(drop_rate=1.0)
    await stack.control.create_orders(shop.shop_id, shop.sku_id, count=3)
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)

    code, output = await creatorflow(env, "reconcile", "--shop", shop.shop_id)

    assert code == 0, output
    assert "seen 3 · started 3 · already running 0 · skipped 0 · errors 0" in output
    await eventually(lambda: projections(stack, shop.shop_id), lambda rows: len(rows) == 3)
