"""The shop's own hold after payment on a time-skipping server: nothing is reserved or bought while it
lasts, a buyer's cancellation meanwhile costs nothing, and the order ships once it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from creatorflow.orders import FulfillmentState, OrderState, TikTokOrderEvent
from tests.workflows.conftest import FakeWorld, Harness, snapshot
from tests.workflows.test_order_workflow import until
from workers.worker import running_workers
from workflows.order import OrderWorkflow

HOLD = timedelta(hours=2)


def paid_order(world: FakeWorld, order_id: str) -> datetime:
    """A paid order whose buyer paid now; returns when."""
    paid_at = datetime.now(UTC).replace(microsecond=0)
    world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200, paid_at=paid_at)
    return paid_at


async def test_a_buyer_who_cancels_during_the_shops_hold_costs_nothing(
    skipping_env: WorkflowEnvironment,
) -> None:
    world = FakeWorld(payment_holds={"shop-1": HOLD})
    harness = Harness(skipping_env.client, world)
    order_id = harness.new_order_id()
    paid_at = paid_order(world, order_id)
    async with running_workers(world.workers(skipping_env.client)):
        handle = await harness.start(order_id)
        held = await until(handle, lambda state: state.payment_hold_until is not None)
        assert held.payment_hold_until == paid_at + HOLD
        assert any("held by the shop after payment" in line for line in held.history)
        assert await skipping_env.fast_forward(handle, timedelta(hours=1))
        assert (world.calls["reserve"], sum(world.purchases.values())) == (0, 0)

        world.orders[order_id] = snapshot(order_id, "CANCELLED", 300, paid_at=paid_at)
        cancelled = TikTokOrderEvent(event_id="e-cancel", tiktok_status="CANCELLED", update_time=300)
        await handle.signal(OrderWorkflow.tiktok_event, cancelled)
        final = await handle.result()

    assert isinstance(final, OrderState) and final.status is FulfillmentState.CANCELLED
    assert (world.calls["reserve"], sum(world.purchases.values()), world.refunded) == (0, 0, [])
    assert world.calls["choose"] == 0


async def test_an_order_ships_once_the_shops_hold_is_over(skipping_env: WorkflowEnvironment) -> None:
    world = FakeWorld(payment_holds={"shop-1": HOLD})
    harness = Harness(skipping_env.client, world)
    order_id = harness.new_order_id()
    paid_order(world, order_id)
    async with running_workers(world.workers(skipping_env.client)):
        handle = await harness.start(order_id)
        await until(handle, lambda state: state.payment_hold_until is not None)
        assert await skipping_env.fast_forward(handle, HOLD - timedelta(minutes=1))
        state = await handle.query(OrderWorkflow.current_state)
        assert state.label is None and world.calls["reserve"] == 0
        assert await skipping_env.fast_forward(handle, timedelta(minutes=2))
        shipped = await until(handle, lambda state: state.label is not None)
    assert shipped.stock_reserved and sum(world.purchases.values()) == 1
