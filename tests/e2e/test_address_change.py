"""A buyer who changes the address after the label: a new label for the new address, never two live ones,
and TikTok holding the tracking number of the one that ships."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from creatorflow.names import order_workflow_id
from creatorflow.store.tables import LabelRow
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from emulators.faults import FaultRule
from tests.e2e.test_order_lifecycle import purchase_reports, ship_calls, shipped_path
from workflows.order import OrderWorkflow

HOLD_MS = 3000  # each label's answer is held this long after the sale: the window the buyer moves in
# Not one of the emulator's buyers' addresses, so it is a move whoever the buyer is.
NEW_HOME = {"street": "1 Infinite Loop", "city": "Cupertino", "state": "California", "postal_code": "95014"}


async def hold_purchases(stack: Stack, hold_ms: int) -> None:
    """Hold (or, with 0, stop holding) every label sale's answer on both carrier emulators."""
    paths = {stack.emulators.shippo_url: "/transactions", stack.emulators.easypost_url: "/v2/shipments/*/buy"}
    async with httpx.AsyncClient(timeout=10) as http:
        for url, path in paths.items():
            rules = [FaultRule(path=path, method="POST", after_commit_latency_ms=hold_ms)] if hold_ms else []
            (await http.put(f"{url}/_admin/faults", json=[r.model_dump() for r in rules])).raise_for_status()


async def sales_of(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    """The order's label sales on both carrier emulators, in the order they were made."""
    reference = order_workflow_id(stack_shop(stack), order_id)
    sales = [
        purchase
        for report in await purchase_reports(stack)
        for purchase in report["purchases"]
        if purchase["reference"].startswith(reference)
    ]
    return sorted(sales, key=lambda sale: datetime.fromisoformat(sale["at"]))


def stack_shop(stack: Stack) -> str:
    [shop] = stack.store.shops()
    return shop.shop_id


async def labels_of(stack: Stack, order_id: str) -> list[LabelRow]:
    return await asyncio.to_thread(stack.store.labels, order_id=order_id)


async def test_a_buyer_moving_mid_purchase_gets_a_label_for_the_new_address_and_the_old_one_is_refunded(
    stack: Stack, shop: SandboxShop
) -> None:
    await hold_purchases(stack, HOLD_MS)
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    order_id = order["id"]
    await eventually(lambda: sales_of(stack, order_id), lambda sold: len(sold) == 1, timeout=60)

    workflow_id = order_workflow_id(shop.shop_id, order_id)
    workflow = stack.client.get_workflow_handle_for(OrderWorkflow.run, workflow_id)
    seen = (await workflow.query(OrderWorkflow.current_state)).events_seen
    await stack.control.update_address(order_id, name="Casey Moved", **NEW_HOME)
    await eventually(
        lambda: workflow.query(OrderWorkflow.current_state), lambda s: s.events_seen > seen, timeout=30
    )
    await hold_purchases(stack, 0)

    labels = await eventually(lambda: labels_of(stack, order_id), lambda rows: len(rows) == 2, timeout=60)
    on_tiktok = await eventually(
        lambda: stack.control.order(order_id),
        lambda o: o["order"]["tracking_number"] == labels[1].tracking_number,
        timeout=60,
    )
    first, second = labels
    assert first.status in ("REFUNDED", "REFUND_REQUESTED") and second.status == "PURCHASED"
    assert on_tiktok["order"]["recipient_address"]["address_line1"] == NEW_HOME["street"]
    sold = await sales_of(stack, order_id)
    assert [sale["tracking_number"] for sale in sold] == [first.tracking_number, second.tracking_number]
    assert sold[1]["destination"]["zip"] == NEW_HOME["postal_code"] != sold[0]["destination"]["zip"]
    # TikTok was told once, and only of the label that ships.
    assert await ship_calls(stack) == {shipped_path(order_id): 1}


async def test_a_buyer_moving_after_tiktok_has_the_tracking_gets_a_new_label_and_tiktok_the_new_number(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    order_id = order["id"]
    shipped = await eventually(
        lambda: stack.control.order(order_id),
        lambda o: o["order"]["status"] == "AWAITING_COLLECTION",
        timeout=60,
    )
    old_tracking = shipped["order"]["tracking_number"]

    await stack.control.update_address(order_id, name="Casey Moved", **NEW_HOME)
    on_tiktok = await eventually(
        lambda: stack.control.order(order_id),
        lambda o: o["order"]["tracking_number"] != old_tracking,
        timeout=60,
    )

    first, second = await labels_of(stack, order_id)
    assert first.tracking_number == old_tracking and first.status in ("REFUNDED", "REFUND_REQUESTED")
    assert on_tiktok["order"]["tracking_number"] == second.tracking_number
    assert on_tiktok["order"]["status"] == "AWAITING_COLLECTION"
    updates = [
        call
        for call in await stack.control.ledger("/fulfillment/202309/packages/*/shipping_info/update")
        if call["code"] == 0
    ]
    assert len(updates) == 1
    assert await ship_calls(stack) == {shipped_path(order_id): 1}
