"""The buyer changes the address on TikTok after a label was chosen or bought for the old one."""

from __future__ import annotations

import asyncio

from activities import contracts
from creatorflow.domain import TrackingStatus
from creatorflow.orders import FulfillmentState, OrderState
from tests.workflows.conftest import GOOD_ADDRESS, MOVED, Harness, snapshot
from tests.workflows.test_order_workflow import event, eventually, scan, status_is, until
from workflows.order import OrderWorkflow

State = FulfillmentState


async def test_a_new_address_after_tiktok_has_the_tracking_refunds_the_label_and_tells_tiktok_the_new_one(
    harness: Harness,
) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.label is not None
    old = shipped.label

    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_COLLECTION", 200, recipient=MOVED)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-moved", "AWAITING_COLLECTION", 200))
    relabelled = await until(
        handle, lambda s: s.label is not None and s.label != old and not s.tiktok_tracking_stale
    )

    assert relabelled.status is State.SHIPPED
    assert harness.world.refunded == [old.label_id]
    assert harness.world.purchases == {old.idempotency_key: 1, f"order:shop-1:{order_id}:label:1": 1}
    assert harness.world.quoted_to == [GOOD_ADDRESS, MOVED]
    assert relabelled.label is not None
    new_tracking = relabelled.label.tracking_number
    assert harness.world.tracking_updates == [(f"pkg-{order_id}", new_tracking)]
    assert relabelled.tracking_number == new_tracking
    # Carrier events now follow the new package, and the order goes on to the door.
    await handle.signal(OrderWorkflow.tracking_event, scan(relabelled, TrackingStatus.DELIVERED, "t1"))
    await until(handle, status_is(State.DELIVERED))


async def test_a_new_address_arriving_mid_purchase_buys_again_for_it_before_tiktok_is_told(
    harness: Harness,
) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    harness.world.purchase_gate = asyncio.Event()
    handle = await harness.start(order_id)
    first_key = f"order:shop-1:{order_id}:label:0"
    await eventually(lambda: harness.world.purchases[first_key] == 1)  # the purchase is under way

    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200, recipient=MOVED)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-moved", "AWAITING_SHIPMENT", 200))
    harness.world.purchase_gate.set()
    shipped = await until(handle, status_is(State.SHIPPED))

    assert shipped.label is not None and shipped.label.idempotency_key.endswith(":label:1")
    assert harness.world.refunded == [f"lbl-{first_key}"]
    assert harness.world.quoted_to == [GOOD_ADDRESS, MOVED]
    # TikTok only ever heard of the label for the new address.
    assert harness.world.shipped == {order_id: shipped.label.tracking_number}
    assert harness.world.tracking_updates == []


async def test_a_new_address_after_the_carrier_scan_parks_the_order_for_an_operator(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)
    shipped = await until(handle, status_is(State.SHIPPED))
    await handle.signal(OrderWorkflow.tracking_event, scan(shipped, TrackingStatus.IN_TRANSIT, "t1"))
    await until(handle, status_is(State.IN_TRANSIT))

    harness.world.orders[order_id] = snapshot(order_id, "IN_TRANSIT", 200, recipient=MOVED)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-moved", "IN_TRANSIT", 200))
    parked: OrderState = await until(handle, status_is(State.NEEDS_ATTENTION))

    assert parked.attention is not None
    assert parked.attention.reason == contracts.ADDRESS_CHANGED_AFTER_HANDOVER
    assert shipped.tracking_number in parked.attention.message
    assert parked.label == shipped.label and harness.world.refunded == []
    assert sum(harness.world.purchases.values()) == 1
