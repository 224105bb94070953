"""A shop's own hold after payment, set with `creatorflow shops hold` and kept by a real order: a buyer who
cancels during it costs the seller nothing (no label, no stock held)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from creatorflow.orders import FulfillmentState
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from tests.e2e.test_aftersales import decisions, tiktok_status
from tests.e2e.test_fbt_orders import serum
from tests.e2e.test_order_lifecycle import labels_sold
from tests.e2e.test_webhooks_and_operators import handle_of, state_of
from tests.processes import creatorflow, worker_env


async def test_a_buyer_who_cancels_during_the_shops_hold_costs_the_seller_nothing(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    code, output = await creatorflow(env, "shops", "hold", shop.shop_id, "2h")
    assert (code, output.strip()) == (0, f"shop {shop.shop_id}: hold after payment 2:00:00"), output
    before = await eventually(lambda: serum(stack, shop), lambda level: level is not None)
    assert before is not None

    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, on_hold=False)  # paid, no ON_HOLD
    handle = handle_of(stack, shop, order["id"])
    held = await eventually(
        lambda: state_of(handle), lambda state: state is not None and state.payment_hold_until is not None
    )
    assert held is not None and held.status is FulfillmentState.READY and not held.stock_reserved
    assert held.payment_hold_until == datetime.fromtimestamp(order["paid_time"], UTC) + timedelta(hours=2)

    await stack.control.cancel_by_buyer(order["id"])  # past TikTok's free window: TikTok asks the seller
    final = await handle.result()

    assert final.status is FulfillmentState.CANCELLED and final.label is None and not final.stock_reserved
    assert sum((await labels_sold(stack)).values()) == 0
    after = await serum(stack, shop)
    assert after is not None and (after.on_hand, after.reserved) == (before.on_hand, 0)
    assert len(await decisions(stack, "cancellations")) == 1  # approved
    assert await tiktok_status(stack, order["id"]) == "CANCELLED"
