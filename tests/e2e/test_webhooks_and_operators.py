"""Forged and repeated webhooks, undeliverable addresses fixed by an operator, and cancellations, through
the real API, workflows, activities and emulators."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter

import httpx
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from creatorflow.domain import Address
from creatorflow.orders import FulfillmentState, OrderState
from creatorflow.store.tables import LabelStatus, WebhookStatus
from creatorflow.tiktok.signing import sign_webhook
from starter.stack import SandboxShop, Stack
from tests.e2e.conftest import eventually
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections, ship_calls, shipped_path
from workflows.order import CancelRequest, OrderWorkflow, RetryRequest
from workflows.shared import order_workflow_id


def handle_of(stack: Stack, shop: SandboxShop, order_id: str) -> WorkflowHandle[OrderWorkflow, OrderState]:
    return stack.client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(shop.shop_id, order_id))


async def state_of(handle: WorkflowHandle[OrderWorkflow, OrderState]) -> OrderState | None:
    try:
        return await handle.query(OrderWorkflow.state)
    except RPCError:
        return None  # not started yet


def status_is(*wanted: FulfillmentState):  # type: ignore[no-untyped-def]
    return lambda state: state is not None and state.status in wanted


async def post_tiktok(stack: Stack, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["authorization"] = signature
    async with httpx.AsyncClient() as http:
        return await http.post(f"{stack.api_url}/webhooks/tiktok", content=body, headers=headers)


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
    forged = sign_webhook(stack.settings.tiktok.app_key, "not-the-app-secret", body)
    response = await post_tiktok(stack, body, forged)
    assert (response.status_code, response.content) == (401, b"")
    assert await state_of(handle_of(stack, shop, "576600000000000001")) is None
    assert stack.store.webhooks() == [] or all(row.dedup_key != "forged-1" for row in stack.store.webhooks())


async def test_every_event_three_times_shuffled_gives_the_same_outcome(
    stack: Stack, shop: SandboxShop
) -> None:
    """TikTok's pushes arrive twice each, and we replay every one once more, out of order."""
    await stack.control.configure_webhooks(duplicate_rate=1.0, reorder=True)
    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=10)
    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", 10), timeout=90)

    tiktok_events = [row for row in stack.store.webhooks() if row.source == "tiktok"]
    replays = [row.body for row in tiktok_events]
    random.Random(7).shuffle(replays)
    secret = stack.settings.tiktok.app_secret.get_secret_value()
    for body in replays:
        response = await post_tiktok(stack, body, sign_webhook(stack.settings.tiktok.app_key, secret, body))
        assert response.status_code == 200
    await asyncio.sleep(2)  # let any (wrong) reaction happen

    rows = await projections(stack, shop.shop_id)
    assert len(rows) == 10 and {row.state for row in rows} == {"SHIPPED"}
    sold = await labels_sold(stack)
    assert sum(sold.values()) == 10 and set(sold.values()) == {1}
    assert await ship_calls(stack) == Counter(shipped_path(order["id"]) for order in created)
    # Each distinct notification was recorded and forwarded once; every repeat stopped at the inbox.
    after = [row for row in stack.store.webhooks() if row.source == "tiktok"]
    before_ids = {row.id for row in tiktok_events}
    assert not {row.body for row in after if row.id not in before_ids} & set(replays)
    assert {row.status for row in after} <= {WebhookStatus.FORWARDED, WebhookStatus.IGNORED}
    assert len(created) == 10


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
