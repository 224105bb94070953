"""OrderWorkflow's decisions, on the real dev server with scripted activities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from activities import contracts
from creatorflow.domain import Provider, TrackingStatus
from creatorflow.order_requests import CancelRequest, HoldRequest, ReshipRequest, RetryRequest
from creatorflow.orders import (
    CarrierTrackingEvent,
    FulfillmentState,
    LineItemRef,
    OrderState,
    TikTokOrderEvent,
)
from tests.workflows.conftest import FAST, UNDELIVERABLE, Harness, snapshot
from workflows.order import OrderWorkflow
from workflows.search_attributes import ATTENTION_REASON, LATE_SHIPMENT_RISK

State = FulfillmentState


async def until(
    handle: WorkflowHandle[OrderWorkflow, object], check: Callable[[OrderState], bool], timeout: float = 15
) -> OrderState:
    """Query the order until `check` holds; fail with the last state seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state = await handle.query(OrderWorkflow.current_state)
        if check(state):
            return state
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out; last state {state.status}: {state.history[-5:]}")
        await asyncio.sleep(0.05)


async def eventually(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail("condition never became true")
        await asyncio.sleep(0.05)


def status_is(*wanted: FulfillmentState) -> Callable[[OrderState], bool]:
    return lambda state: state.status in wanted


def event(event_id: str, status: str, update_time: int) -> TikTokOrderEvent:
    return TikTokOrderEvent(event_id=event_id, tiktok_status=status, update_time=update_time)


def scan(order_state: OrderState, status: TrackingStatus, event_id: str) -> CarrierTrackingEvent:
    return CarrierTrackingEvent(
        event_id=event_id,
        provider=Provider.SHIPPO,
        tracking_number=order_state.tracking_number,
        status=status,
    )


async def test_paid_order_gets_one_label_and_is_shipped_then_delivered(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)

    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.label is not None
    assert harness.world.purchases == {f"order:shop-1:{order_id}:label:0": 1}
    assert harness.world.shipped[order_id] == shipped.tracking_number == shipped.label.tracking_number

    await handle.signal(OrderWorkflow.tracking_event, scan(shipped, TrackingStatus.IN_TRANSIT, "t1"))
    await until(handle, status_is(State.IN_TRANSIT))
    await handle.signal(OrderWorkflow.tracking_event, scan(shipped, TrackingStatus.DELIVERED, "t2"))
    delivered = await until(handle, status_is(State.DELIVERED))
    assert sum(harness.world.purchases.values()) == 1
    # The store's projection follows every visible change.
    await eventually(lambda: harness.world.recorded_states[-1] == "DELIVERED")
    assert "SHIPPED" in harness.world.recorded_states
    assert delivered.history[-1].endswith("DELIVERED: shippo webhook: delivered")


async def test_no_label_is_bought_while_on_hold(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    await asyncio.sleep(0.3)
    assert not harness.world.purchases

    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-release", "AWAITING_SHIPMENT", 200))
    await until(handle, status_is(State.SHIPPED))
    assert sum(harness.world.purchases.values()) == 1


async def test_duplicate_and_stale_events_change_nothing(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 300)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    fetches = harness.world.calls["fetch"]

    for _ in range(3):
        await handle.signal(OrderWorkflow.tiktok_event, event("e-old", "UNPAID", 100))  # older than known
    state = await until(handle, lambda s: s.events_seen == 3)
    assert (state.duplicates_ignored, state.stale_ignored) == (2, 1)
    assert harness.world.calls["fetch"] == fetches  # nothing made it re-read TikTok
    assert state.status is State.ON_HOLD


async def test_invalid_address_needs_attention_until_an_operator_fixes_it(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, recipient=UNDELIVERABLE)
    handle = await harness.start(order_id)

    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == "AddressInvalid"
    assert not harness.world.purchases
    description = await handle.describe()
    assert description.typed_search_attributes is not None

    fixed = UNDELIVERABLE.model_copy(update={"postal_code": "78701"})
    await handle.execute_update(OrderWorkflow.retry, RetryRequest(address=fixed))
    await until(handle, status_is(State.SHIPPED))
    assert sum(harness.world.purchases.values()) == 1


async def test_shop_deauthorized_mid_order_buys_no_label_until_authorized_again_and_retried(
    harness: Harness,
) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))

    # The seller revokes the app while the order is in flight; then TikTok releases it for shipping.
    harness.world.unauthorized_shops["shop-1"] = contracts.SHOP_DEAUTHORIZED
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-ready", "AWAITING_SHIPMENT", 200))
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == "ShopDeauthorized"
    assert "ShopDeauthorized" in parked.attention.message
    assert parked.label is None and not harness.world.purchases and order_id not in harness.world.shipped
    reasons = await handle.describe()
    assert reasons.typed_search_attributes.get(ATTENTION_REASON) == "ShopDeauthorized"

    harness.world.unauthorized_shops.clear()  # the seller authorizes the app again
    await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    shipped = await until(handle, status_is(State.SHIPPED))
    assert harness.world.purchases == {f"order:shop-1:{order_id}:label:0": 1}
    assert shipped.label is not None and harness.world.shipped[order_id] == shipped.label.tracking_number


@pytest.mark.parametrize("reason", [contracts.SHOP_DEAUTHORIZED, contracts.SHOP_NEEDS_REAUTHORIZATION])
async def test_orders_waiting_for_their_seller_ship_by_themselves_once_the_app_is_authorized_again(
    harness: Harness, reason: str
) -> None:
    # Deauthorized, or TikTok rejected its refresh token: either way the seller must authorize again.
    harness.world.unauthorized_shops["shop-1"] = reason
    policy = FAST.model_copy(update={"shop_recheck": timedelta(milliseconds=200)})
    order_ids = [harness.new_order_id() for _ in range(2)]
    handles = []
    for order_id in order_ids:
        harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
        handles.append(await harness.start(order_id, policy))
    for handle in handles:
        parked = await until(handle, status_is(State.NEEDS_ATTENTION))
        assert parked.attention is not None and parked.attention.reason == reason
        assert (await handle.describe()).typed_search_attributes.get(ATTENTION_REASON) == reason
    # Each asks again on its timer, and stays parked while the answer is the same.
    await eventually(lambda: harness.world.calls["shop_check"] >= 6)
    assert not harness.world.purchases
    for handle in handles:
        assert (await handle.query(OrderWorkflow.current_state)).status is State.NEEDS_ATTENTION

    del harness.world.unauthorized_shops["shop-1"]  # the seller authorizes the app again
    for order_id, handle in zip(order_ids, handles, strict=True):
        shipped = await until(handle, status_is(State.SHIPPED))
        assert shipped.label is not None and harness.world.shipped[order_id] == shipped.label.tracking_number
        assert not any("operator" in line for line in shipped.history)
    assert harness.world.purchases == {f"order:shop-1:{order_id}:label:0": 1 for order_id in order_ids}


async def test_retry_is_refused_when_nothing_needs_attention(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    assert "nothing to retry" in str(failure.value.cause)


async def test_cancelled_before_the_label_buys_nothing(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    harness.world.orders[order_id] = snapshot(order_id, "CANCELLED", 200)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-cancel", "CANCELLED", 200))
    final = await handle.result()
    assert isinstance(final, OrderState)
    assert final.status is State.CANCELLED
    assert not harness.world.purchases and not harness.world.refunded
    assert harness.world.cancelled_on_tiktok == []  # TikTok cancelled it; we do not cancel again


async def test_cancelled_after_the_label_refunds_it(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.label is not None

    harness.world.orders[order_id] = snapshot(order_id, "CANCELLED", 200)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-cancel", "CANCELLED", 200))
    final = await handle.result()
    assert isinstance(final, OrderState)
    assert final.status is State.CANCELLED
    assert harness.world.refunded == [shipped.label.label_id]
    assert final.refunded_label_ids == [shipped.label.label_id]


async def test_a_cancelled_order_of_several_packages_refunds_every_label(harness: Harness) -> None:
    """TikTok has the order in two packages (split before we bought): each gets its own label and ship call
    with its line items; the order's cancellation refunds both labels."""
    order_id = harness.new_order_id()
    lines = [LineItemRef(id=f"li-{n}", sku_id="sku-1", package_id=f"pkg-{n % 2}") for n in range(2)]
    harness.world.orders[order_id] = snapshot(
        order_id, "AWAITING_SHIPMENT", 100, package_ids=["pkg-0", "pkg-1"], line_items=lines
    )
    handle = await harness.start(order_id)
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.label is None and [p.package_id for p in shipped.packages] == ["pkg-0", "pkg-1"]
    assert [p.line_item_ids for p in shipped.packages] == [["li-0"], ["li-1"]]
    labels = [p.label for p in shipped.packages if p.label is not None and p.shipped]
    assert len({label.idempotency_key for label in labels}) == 2
    assert set(harness.world.purchases.values()) == {1}

    harness.world.orders[order_id] = snapshot(order_id, "CANCELLED", 200, package_ids=["pkg-0", "pkg-1"])
    await handle.signal(OrderWorkflow.tiktok_event, event("e-cancel", "CANCELLED", 200))
    final = await handle.result()
    assert isinstance(final, OrderState) and final.status is State.CANCELLED
    assert sorted(harness.world.refunded) == sorted(label.label_id for label in labels)


async def test_an_order_tiktok_will_not_split_parks_with_tiktoks_reason_and_buys_nothing(
    harness: Harness,
) -> None:
    order_id = harness.new_order_id()
    harness.world.boxed_alone.add("sku-1")
    harness.world.unsplittable[order_id] = "an order with a cancelled item cannot be split."
    lines = [LineItemRef(id=f"li-{n}", sku_id="sku-1", package_id="pkg-0") for n in range(2)]
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, line_items=lines)
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == contracts.SPLIT_NEEDED
    assert parked.attention.message.endswith("an order with a cancelled item cannot be split.")
    assert parked.packages == [] and not harness.world.purchases
    assert (harness.world.calls["plan"], harness.world.calls["split"]) == (1, 1)


async def test_an_order_tiktok_combined_with_others_parks_instead_of_buying_a_label(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(
        order_id, "AWAITING_SHIPMENT", 100, split_or_combine_tag="COMBINED"
    )
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == contracts.COMBINED_PACKAGE
    assert not harness.world.purchases and harness.world.calls["choose"] == 0


async def test_operator_cancel_cancels_on_tiktok(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    await handle.execute_update(OrderWorkflow.cancel, CancelRequest(reason="OUT_OF_STOCK"))
    final = await handle.result()
    assert isinstance(final, OrderState)
    assert final.status is State.CANCELLED
    assert harness.world.cancelled_on_tiktok == [order_id]


async def test_hold_stops_the_purchase_and_release_resumes_it(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "ON_HOLD", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.ON_HOLD))
    held = await handle.execute_update(OrderWorkflow.hold, HoldRequest(reason="fraud check"))
    assert held.status is State.HELD

    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 200)
    await handle.signal(OrderWorkflow.tiktok_event, event("e-ready", "AWAITING_SHIPMENT", 200))
    await until(handle, lambda s: s.stage is State.READY)
    await asyncio.sleep(0.3)
    assert (await handle.query(OrderWorkflow.current_state)).status is State.HELD
    assert not harness.world.purchases

    await handle.execute_update(OrderWorkflow.release)
    await until(handle, status_is(State.SHIPPED))
    assert sum(harness.world.purchases.values()) == 1


async def test_reship_with_another_provider_uses_a_new_purchase_key(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.no_rate_for = {"shippo"}
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == "NoEligibleRate"

    await handle.execute_update(
        OrderWorkflow.reship, ReshipRequest(provider=Provider.EASYPOST, service="Ground")
    )
    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.label is not None and shipped.label.rate.provider is Provider.EASYPOST
    assert harness.world.purchases == {f"order:shop-1:{order_id}:label:1": 1}


async def test_a_sku_without_package_data_parks_the_order_until_an_operator_retries_after_setting_it(
    harness: Harness,
) -> None:
    order_id = harness.new_order_id()
    order = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    harness.world.unpacked_skus = {order.items[0].sku_id}
    harness.world.orders[order_id] = order
    handle = await harness.start(order_id)
    parked = await until(handle, status_is(State.NEEDS_ATTENTION))
    assert parked.attention is not None and parked.attention.reason == contracts.PACKAGE_UNKNOWN
    assert order.items[0].sku_id in parked.attention.message and not harness.world.purchases
    assert harness.world.calls["read_shipment_facts"] >= 1  # TikTok was asked before giving up

    harness.world.unpacked_skus = set()  # the seller set the SKU's package (`creatorflow rules packages set`)
    await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    await until(handle, status_is(State.SHIPPED))
    assert sum(harness.world.purchases.values()) == 1


async def test_operators_cannot_reship_after_tiktok_has_the_tracking_number(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100)
    handle = await harness.start(order_id)
    await until(handle, status_is(State.SHIPPED))
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(OrderWorkflow.reship, ReshipRequest(provider=Provider.EASYPOST))


async def test_order_already_shipped_elsewhere_is_recorded_without_a_label(harness: Harness) -> None:
    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(
        order_id, "IN_TRANSIT", 100, tracking_number="1Z999", shipping_provider="UPS"
    )
    handle = await harness.start(order_id)
    state = await until(handle, status_is(State.IN_TRANSIT))
    assert (state.tracking_number, state.carrier) == ("1Z999", "UPS")
    assert not harness.world.purchases and order_id not in harness.world.shipped


async def test_tiktok_shipped_order_uses_tiktoks_label(harness: Harness) -> None:
    from creatorflow.orders import FulfillmentMode

    order_id = harness.new_order_id()
    harness.world.orders[order_id] = snapshot(
        order_id, "AWAITING_SHIPMENT", 100, mode=FulfillmentMode.TIKTOK_SHIPPED
    )
    handle = await harness.start(order_id)
    state = await until(handle, status_is(State.SHIPPED))
    assert state.tiktok_label_url == "http://tiktok/doc.pdf"
    assert state.tracking_number == f"TT-{order_id}"
    assert not harness.world.purchases


async def test_late_shipment_risk_is_flagged_and_cleared_by_the_first_carrier_scan(harness: Harness) -> None:
    order_id = harness.new_order_id()
    ship_by = datetime.now(UTC) + timedelta(hours=2)  # inside the default 24 h margin
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, ship_by=ship_by)
    handle = await harness.start(order_id)

    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.late_risk_since is not None
    assert any("at risk" in line for line in shipped.history)
    assert (await handle.describe()).typed_search_attributes.get(LATE_SHIPMENT_RISK) is True

    # TikTok counts the order dispatched at the carrier's first scan: the risk is over.
    await handle.signal(OrderWorkflow.tracking_event, scan(shipped, TrackingStatus.IN_TRANSIT, "t1"))
    await until(handle, status_is(State.IN_TRANSIT))
    for _ in range(100):
        if (await handle.describe()).typed_search_attributes.get(LATE_SHIPMENT_RISK) is False:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("LateShipmentRisk was not cleared after the first carrier scan")


async def test_an_order_far_from_its_ship_by_is_not_flagged(harness: Harness) -> None:
    order_id = harness.new_order_id()
    ship_by = datetime.now(UTC) + timedelta(days=3)
    harness.world.orders[order_id] = snapshot(order_id, "AWAITING_SHIPMENT", 100, ship_by=ship_by)
    handle = await harness.start(order_id)

    shipped = await until(handle, status_is(State.SHIPPED))
    assert shipped.late_risk_since is None
    assert (await handle.describe()).typed_search_attributes.get(LATE_SHIPMENT_RISK) is None
