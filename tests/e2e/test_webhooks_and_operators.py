"""A forged webhook, undeliverable addresses fixed by an operator, and cancellations, through the real API,
workflows, activities and emulators. (Every webhook three times, shuffled, among forged and malformed ones:
tests/chaos/test_webhook_storm.py.)"""

from __future__ import annotations

import json

from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from creatorflow.domain import Address
from creatorflow.names import order_workflow_id
from creatorflow.order_requests import CancelRequest, RetryRequest
from creatorflow.orders import FulfillmentState, OrderState
from creatorflow.store.tables import LabelStatus, WebhookStatus
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from tests.e2e.test_order_lifecycle import labels_sold
from tests.e2e.webhooks import forger, post, signed
from workflows.order import OrderWorkflow


def handle_of(stack: Stack, shop: SandboxShop, order_id: str) -> WorkflowHandle[OrderWorkflow, OrderState]:
    return stack.client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(shop.shop_id, order_id))


async def state_of(handle: WorkflowHandle[OrderWorkflow, OrderState]) -> OrderState | None:
    try:
        return await handle.query(OrderWorkflow.current_state)
    except RPCError:
        return None  # not started yet


def status_is(*wanted: FulfillmentState):  # type: ignore[no-untyped-def]
    return lambda state: state is not None and state.status in wanted


async def test_forged_webhook_is_refused_and_touches_no_workflow(stack: Stack, shop: SandboxShop) -> None:
    body = json.dumps(
        {
            "type": 1,
            "tts_notification_id": "forged-1",
            "shop_id": shop.shop_id,
            "timestamp": 1718305585,
            "data": {"order_id": "576600000000000001", "order_status": "AWAITING_SHIPMENT", "update_time": 1},
        }
    ).encode()
    response = await post(stack.api_url, signed(forger(stack.settings), "tiktok", body))
    assert (response.status_code, response.content) == (401, b"")
    assert await state_of(handle_of(stack, shop, "576600000000000001")) is None
    assert stack.store.webhooks() == [] or all(row.dedup_key != "forged-1" for row in stack.store.webhooks())


async def test_undeliverable_address_waits_for_an_operator_then_ships(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, undeliverable_address=True)
    handle = handle_of(stack, shop, order["id"])
    parked = await eventually(lambda: state_of(handle), status_is(FulfillmentState.NEEDS_ATTENTION))
    assert parked is not None and parked.attention is not None
    assert parked.attention.reason == "AddressInvalid"
    assert sum((await labels_sold(stack)).values()) == 0
    description = await handle.describe()
    assert "AddressInvalid" in str(description.typed_search_attributes)
    # The projection alerts read: the reason and since when, as the workflow has them.
    since = parked.attention.since

    async def projected() -> tuple[str | None, object]:
        record = stack.store.order(shop.shop_id, order["id"])
        return (record.attention_reason, record.attention_since) if record else (None, None)

    await eventually(projected, lambda seen: seen == ("AddressInvalid", since))

    corrected = Address(
        name="Ada Buyer",
        street1="500 Broadway",
        city="New York",
        state="NY",
        postal_code="10012",
        country="US",
    )
    await handle.execute_update(OrderWorkflow.retry, RetryRequest(address=corrected))
    shipped = await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED))
    assert shipped is not None and shipped.label is not None
    assert sum((await labels_sold(stack)).values()) == 1


async def test_cancelled_before_the_label_buys_nothing(stack: Stack, shop: SandboxShop) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, paid=False)
    handle = handle_of(stack, shop, order["id"])
    await eventually(lambda: state_of(handle), status_is(FulfillmentState.AWAITING_PAYMENT))
    await stack.control.cancel_by_buyer(order["id"])
    final = await handle.result()
    assert final.status is FulfillmentState.CANCELLED
    assert sum((await labels_sold(stack)).values()) == 0


async def test_cancelled_after_the_label_refunds_it(stack: Stack, shop: SandboxShop) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    handle = handle_of(stack, shop, order["id"])
    shipped = await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED))
    assert shipped is not None and shipped.label is not None

    await handle.execute_update(OrderWorkflow.cancel, CancelRequest(reason="OUT_OF_STOCK"))
    final = await handle.result()
    assert final.status is FulfillmentState.CANCELLED
    assert final.refunded_label_ids == [shipped.label.label_id]
    [label] = stack.store.labels(order_id=order["id"])
    assert label.status in (LabelStatus.REFUNDED, LabelStatus.REFUND_REQUESTED)
    assert (await stack.control.order(order["id"]))["order"]["status"] == "CANCELLED"
    assert {row.status for row in stack.store.webhooks()} <= {WebhookStatus.FORWARDED, WebhookStatus.IGNORED}
