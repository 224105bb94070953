"""OrderWorkflow's after-sales and stock decisions, on the real dev server with scripted activities."""

from __future__ import annotations

from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError

from activities import contracts
from creatorflow.aftersales import RETURN_NEEDS_DECISION, AfterSaleRequest
from creatorflow.inventory import OUT_OF_STOCK, WAREHOUSE_NOT_STOCKED
from creatorflow.order_requests import ApproveRequest, RejectRequest, RetryRequest
from creatorflow.orders import FulfillmentState, TikTokOrderEvent
from tests.workflows.conftest import Harness, snapshot
from tests.workflows.test_order_workflow import status_is, until
from workflows.order import OrderWorkflow

State = FulfillmentState


def refund_request(status: str, amount: str = "80.00") -> contracts.AfterSales:
    request = AfterSaleRequest(
        kind="return",
        request_id="ret-1",
        request_type="REFUND",
        status=status,
        reason="Changed mind",
        amount=Decimal(amount),
        currency="USD",
        create_time=100,
        update_time=200 if status == "RETURN_OR_REFUND_REQUEST_PENDING" else 300,
    )
    return contracts.AfterSales(returns=[request])


def return_event(event_id: str) -> TikTokOrderEvent:
    return TikTokOrderEvent(event_id=event_id, kind="return", update_time=200)


async def test_an_operator_rejects_a_refund_with_a_reason_and_the_order_goes_on(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, total=Decimal("80.00"))
    handle = await harness.start(order_id)
    await until(handle, status_is(State.SHIPPED))
    with pytest.raises(WorkflowUpdateFailedError):  # nothing waits for a decision yet
        await handle.execute_update(OrderWorkflow.approve_aftersale, ApproveRequest())

    harness.world.aftersales[order_id] = refund_request("RETURN_OR_REFUND_REQUEST_PENDING")
    await handle.signal(OrderWorkflow.tiktok_event, return_event("r1"))
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == RETURN_NEEDS_DECISION
    assert parked.stage is State.RETURN_REQUESTED and harness.world.verdicts == []
    with pytest.raises(WorkflowUpdateFailedError):  # TikTok needs a reject reason
        await handle.execute_update(OrderWorkflow.reject_aftersale, RejectRequest(reason=" "))

    await handle.execute_update(
        OrderWorkflow.reject_aftersale, RejectRequest(reason="seller_reject_apply_product_shipped")
    )
    await until(handle, lambda state: bool(harness.world.verdicts))
    [verdict] = harness.world.verdicts
    assert (verdict.kind, verdict.approve, verdict.decision, verdict.reject_reason) == (
        "return",
        False,
        "REJECT_REFUND",
        "seller_reject_apply_product_shipped",
    )
    assert verdict.idempotency_key == f"order:shop-1:{order_id}:ret-1:REJECT_REFUND"

    harness.world.aftersales[order_id] = refund_request("REFUND_OR_RETURN_REQUEST_REJECT")
    await handle.signal(OrderWorkflow.tiktok_event, return_event("r2"))
    back = await until(handle, status_is(State.SHIPPED))
    assert back.attention is None and "ret-1" in back.finished_requests
    assert len(harness.world.verdicts) == 1 and sum(harness.world.purchases.values()) == 1


async def test_an_order_without_stock_buys_no_label_until_restocked(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    harness.world.out_of_stock.add("sku-1")
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == OUT_OF_STOCK
    assert not harness.world.purchases

    harness.world.out_of_stock.clear()  # restocked
    await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.stock_reserved and sum(harness.world.purchases.values()) == 1


def buyer_cancellation(status: str) -> contracts.AfterSales:
    request = AfterSaleRequest(
        kind="cancellation", request_id="can-1", request_type="BUYER_CANCEL", status=status, role="BUYER"
    )
    return contracts.AfterSales(cancellations=[request])


async def test_a_cancellation_whose_webhook_was_lost_is_approved_and_nothing_ships_meanwhile(
    harness: Harness,
) -> None:
    """The order itself says the buyer asked to cancel; TikTok is slow to apply our approval."""
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, buyer_requested_cancel=True)
    harness.world.aftersales[order_id] = buyer_cancellation("CANCELLATION_REQUEST_PENDING")
    handle = await harness.start(order_id)
    await until(handle, lambda state: bool(harness.world.verdicts))
    [verdict] = harness.world.verdicts
    assert (verdict.kind, verdict.approve, verdict.request_id) == ("cancellation", True, "can-1")
    await handle.signal(OrderWorkflow.tiktok_event, TikTokOrderEvent(event_id="c1", kind="cancellation"))
    await until(handle, lambda state: state.events_seen == 1)
    assert not harness.world.purchases and len(harness.world.verdicts) == 1  # still pending on TikTok

    harness.world.orders[order_id] = snapshot(order_id, "CANCELLED", 200)
    harness.world.aftersales[order_id] = buyer_cancellation("CANCELLATION_REQUEST_COMPLETE")
    await handle.signal(OrderWorkflow.tiktok_event, TikTokOrderEvent(event_id="c2", kind="cancellation"))
    final = await until(handle, status_is(State.CANCELLED))
    assert final.label is None and not harness.world.purchases


async def test_an_order_from_a_warehouse_we_keep_no_stock_in_waits_for_an_operator(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, warehouse_id="wh-east")
    harness.world.stocked_in["sku-1"] = "wh-west"  # units there, but TikTok ships this order from the east
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == WAREHOUSE_NOT_STOCKED
    assert "wh-east" in parked.attention.message and not harness.world.purchases

    harness.world.stocked_in["sku-1"] = "wh-east"  # the operator counts the east shelf
    await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.stock_reserved and sum(harness.world.purchases.values()) == 1
