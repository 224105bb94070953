"""Multi-day waits (hold polling, carrier polling, the return window) on a time-skipping dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from creatorflow.domain import TrackingStatus
from creatorflow.orders import FulfillmentState, OrderPolicy, OrderState
from tests.workflows.conftest import UNDELIVERABLE, FakeWorld, Harness, snapshot, start_time_skipping_server
from tests.workflows.test_order_workflow import until
from workers.worker import running_workers
from workflows.search_attributes import LATE_SHIPMENT_RISK


@pytest.fixture(scope="module")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping_server()
    async with env:
        yield env


async def test_lost_webhooks_are_covered_by_polling_through_weeks(skipping_env: WorkflowEnvironment) -> None:
    """No webhook at all: the hold poll finds the order paid, the carrier poll finds it delivered, and
    the return window closes it, a month of virtual time in a few real seconds."""
    world = FakeWorld(tracking_status=TrackingStatus.DELIVERED)
    harness = Harness(skipping_env.client, world)
    order_id = harness.new_order_id()
    # TikTok releases the hold after the first read, but its webhook never arrives.
    world.first_reads[order_id] = [snapshot(order_id, "ON_HOLD", 100)]
    world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200)
    policy = OrderPolicy(
        hold_poll=timedelta(hours=1), tracking_poll=timedelta(hours=6), return_window=timedelta(days=30)
    )
    async with running_workers(world.workers(skipping_env.client)):
        handle = await harness.start(order_id, policy)
        started = await skipping_env.get_current_time(handle)
        final = await handle.result()
        elapsed = await skipping_env.get_current_time(handle) - started

    assert isinstance(final, OrderState)
    assert final.status is FulfillmentState.COMPLETED
    assert sum(world.purchases.values()) == 1
    assert world.calls["fetch"] >= 2 and world.calls["track"] >= 1
    assert "return window over" in final.history[-1]
    assert elapsed >= timedelta(days=30, hours=7)


async def test_a_parked_order_is_flagged_a_margin_before_tiktoks_ship_by(
    skipping_env: WorkflowEnvironment,
) -> None:
    """An order waiting for an operator sleeps with no timeout, yet is flagged in time: no later than the
    policy's margin before ship-by, and not earlier."""
    world = FakeWorld()
    harness = Harness(skipping_env.client, world)
    order_id = harness.new_order_id()
    ship_by = datetime.now(UTC) + timedelta(days=3)
    world.orders[order_id] = snapshot(
        order_id, "AWAITING_SHIPMENT", 200, recipient=UNDELIVERABLE, ship_by=ship_by
    )
    policy = OrderPolicy(late_shipment_margin=timedelta(hours=24))
    async with running_workers(world.workers(skipping_env.client)):
        handle = await harness.start(order_id, policy)
        flagged = await until(handle, lambda state: state.late_risk_since is not None, timeout=30)

        assert flagged.status is FulfillmentState.NEEDS_ATTENTION
        assert flagged.late_risk_since is not None
        assert ship_by - timedelta(hours=24) <= flagged.late_risk_since < ship_by
        attributes = (await handle.describe()).typed_search_attributes
        assert attributes.get(LATE_SHIPMENT_RISK) is True
        await handle.terminate("test over")
