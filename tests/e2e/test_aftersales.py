"""Buyers' cancellations, refunds and returns decided by the after-sales policy, through the real API,
workflows, activities and emulators (TikTok Shop, Shippo, EasyPost)."""

from __future__ import annotations

from decimal import Decimal

import httpx

from creatorflow.aftersales import RETURN_NEEDS_DECISION
from creatorflow.order_requests import ApproveRequest, HoldRequest
from creatorflow.orders import FulfillmentState
from creatorflow.store.tables import LabelStatus
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, carrier_traffic, tiktok_package
from tests.e2e.test_order_lifecycle import labels_sold, shipped_path
from tests.e2e.test_webhooks_and_operators import handle_of, state_of, status_is
from workflows.order import OrderWorkflow


async def decisions(stack: Stack, what: str) -> list[dict[str, object]]:
    """Successful approve/reject calls TikTok received for `what` (cancellations | returns)."""
    calls = await stack.control.ledger(f"/return_refund/202309/{what}/*")
    # TikTok answers a refusal with HTTP 200 too: a decision took effect when its result code is 0.
    return [call for call in calls if call["code"] == 0 and not str(call["path"]).endswith("/search")]


async def tiktok_status(stack: Stack, order_id: str) -> str:
    return str((await stack.control.order(order_id))["order"]["status"])


async def deliver_parcel(stack: Stack, tracking_number: str) -> None:
    """The carrier delivers the parcel with this tracking number (and webhooks us about it)."""
    async with httpx.AsyncClient(timeout=10) as http:
        for url in stack.emulators.carrier_urls:
            answer = await http.post(
                f"{url}/_admin/trackers/{tracking_number}/advance", params={"to": "delivered"}
            )
            if answer.status_code != 404:
                answer.raise_for_status()
                return
    raise AssertionError(f"no carrier emulator knows {tracking_number}")


async def test_buyer_cancels_before_the_label_approved_and_cancelled(stack: Stack, shop: SandboxShop) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, paid=False)
    handle = handle_of(stack, shop, order["id"])
    await eventually(lambda: state_of(handle), status_is(FulfillmentState.AWAITING_PAYMENT))
    await handle.execute_update(OrderWorkflow.hold, HoldRequest(reason="checking stock"))
    await stack.control.act(order["id"], "pay")
    await eventually(lambda: tiktok_status(stack, order["id"]), lambda status: status == "AWAITING_SHIPMENT")

    await stack.control.cancel_by_buyer(order["id"])  # past the free window: TikTok asks the seller
    final = await handle.result()

    assert final.status is FulfillmentState.CANCELLED
    assert final.label is None and sum((await labels_sold(stack)).values()) == 0
    [approval] = await decisions(stack, "cancellations")
    assert str(approval["path"]).endswith("/approve") and "idempotency_key=" in str(approval["query"])
    assert await tiktok_status(stack, order["id"]) == "CANCELLED"


async def test_buyer_cancels_after_the_label_it_is_refunded_then_cancelled(
    stack: Stack, shop: SandboxShop
) -> None:
    # TikTok is down for shipping, so the order sits with a bought label when the buyer asks to cancel.
    await stack.control.set_faults([{"path": shipped_path("*"), "method": "POST", "error_rate": 1.0}])
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    handle = handle_of(stack, shop, order["id"])
    labelled = await eventually(lambda: state_of(handle), status_is(FulfillmentState.LABEL_PURCHASED))
    assert labelled is not None and labelled.label is not None

    await stack.control.cancel_by_buyer(order["id"])
    await stack.control.set_faults([])
    final = await handle.result()

    assert final.status is FulfillmentState.CANCELLED
    assert final.refunded_label_ids == [labelled.label.label_id]
    [label] = stack.store.labels(order_id=order["id"])
    assert label.status in (LabelStatus.REFUNDED, LabelStatus.REFUND_REQUESTED)
    assert len(await decisions(stack, "cancellations")) == 1
    assert await tiktok_status(stack, order["id"]) == "CANCELLED"


async def test_refund_only_under_the_threshold_is_refunded_automatically(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    handle = handle_of(stack, shop, order["id"])
    await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED))

    request = await stack.control.open_return(order["id"], "REFUND", reason="Arrived late")
    final = await handle.result()

    assert final.status is FulfillmentState.REFUNDED
    [approval] = await decisions(stack, "returns")
    assert str(approval["path"]) == f"/return_refund/202309/returns/{request['return_id']}/approve"
    [row] = stack.store.returns(shop.shop_id)
    assert (row.return_id, row.reason, row.amount, row.decided_by) == (
        request["return_id"],
        "Arrived late",
        Decimal("24.00"),
        "policy",
    )
    assert row.refunded_at is not None and row.days_to_refund is not None
    assert await tiktok_status(stack, order["id"]) == "COMPLETED"  # a full refund closes the order


async def test_return_and_refund_gets_a_return_label_and_is_refunded_once_received(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    handle = handle_of(stack, shop, order["id"])
    async with carrier_traffic(stack, shop.shop_id):
        await eventually(lambda: state_of(handle), status_is(FulfillmentState.DELIVERED))

    [delivered] = stack.store.stock_levels(shop.shop_id)
    assert delivered.reserved == 0  # the unit left with the carrier
    request = await stack.control.open_return(order["id"], "RETURN_AND_REFUND", reason="Wrong shade")
    approved = await eventually(
        lambda: state_of(handle),
        lambda state: state is not None and state.return_label is not None,
    )
    assert approved is not None and approved.return_label is not None
    assert approved.status is FulfillmentState.RETURN_APPROVED
    assert sum((await labels_sold(stack)).values()) == 2  # the outbound label and the return label
    assert {label.tracking_number for label in stack.store.labels(order_id=order["id"])} == {
        approved.tracking_number,
        approved.return_label.tracking_number,
    }

    await stack.control.buyer_ships_return(request["return_id"])
    await deliver_parcel(stack, approved.return_label.tracking_number)
    final = await handle.result()

    assert final.status is FulfillmentState.REFUNDED
    assert [str(call["path"]).rsplit("/", 1)[-1] for call in await decisions(stack, "returns")] == [
        "approve",
        "approve",
    ]
    [row] = stack.store.returns(shop.shop_id)
    assert row.return_label_cost == approved.return_label.rate.amount
    assert row.status == "RETURN_OR_REFUND_REQUEST_COMPLETE" and row.decided_by == "policy"
    [restocked] = stack.store.stock_levels(shop.shop_id)
    assert (restocked.on_hand, restocked.reserved) == (delivered.on_hand + 1, 0)  # back on the shelf


async def test_refund_over_the_threshold_waits_for_an_operator_who_approves(
    stack: Stack, shop: SandboxShop
) -> None:
    product = await stack.control.create_product(
        shop.shop_id,
        "Glow Gift Set",
        [{"seller_sku": "GIFT-SET", "price": "150.00", "stock": 50}],
        tiktok_package("1.4", ("10", "8", "4")),
    )
    [order] = await stack.control.create_orders(shop.shop_id, product.skus[0].id)
    handle = handle_of(stack, shop, order["id"])
    await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED))

    await stack.control.open_return(order["id"], "REFUND", reason="Damaged box")
    parked = await eventually(lambda: state_of(handle), status_is(FulfillmentState.NEEDS_ATTENTION))
    assert parked is not None and parked.attention is not None
    assert parked.attention.reason == RETURN_NEEDS_DECISION
    assert RETURN_NEEDS_DECISION in str((await handle.describe()).typed_search_attributes)
    assert await decisions(stack, "returns") == []  # nothing refunded behind the operator's back

    await handle.execute_update(OrderWorkflow.approve_aftersale, ApproveRequest(comment="good customer"))
    final = await handle.result()

    assert final.status is FulfillmentState.REFUNDED
    [row] = stack.store.returns(shop.shop_id)
    assert (row.amount, row.decided_by) == (Decimal("150.00"), "operator")
