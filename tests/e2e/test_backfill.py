"""Backfill of a shop's history: 2,000 orders in mixed states; the closed ones recorded from the search
page with no workflow and no detail call, each open one handed to its own order workflow once, labels
bought only for the orders still waiting to ship, a second run that starts nothing, and TikTok's rate
limit never exceeded."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from temporalio.testing import WorkflowEnvironment

from creatorflow.sync import BackfillInput
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop
from starter.backfill import start_backfill
from tests.e2e.conftest import e2e_stack
from tests.e2e.test_order_lifecycle import projections, purchase_reports, ship_calls, shipped_path
from tests.rates import busiest_second
from workers.schedules import delete_reconcile_schedule

DAY = 24 * 3600
# TikTok status of the historical orders -> the state recorded for them (by their order workflow, or by the
# backfill itself for the closed ones). Like a real shop's history, most orders are finished.
MIX = {
    "AWAITING_SHIPMENT": (50, "SHIPPED"),  # still to ship: we buy its label and tell TikTok
    "AWAITING_COLLECTION": (150, "SHIPPED"),  # shipped by someone else: recorded, never a label
    "IN_TRANSIT": (150, "IN_TRANSIT"),
    "DELIVERED": (150, "DELIVERED"),  # inside its return window: still open
    "COMPLETED": (750, "COMPLETED"),
    "CANCELLED": (750, "CANCELLED"),
}
CLOSED = ("COMPLETED", "CANCELLED")
# 2,000 orders start at once: give TikTok activities the production timeout (the client's limiter makes
# them wait their turn), and let shipped orders sit without polling while the test looks at them.
HISTORY_ORDERS = FAST_ORDERS.model_copy(
    update={"activity_timeout": timedelta(seconds=30), "tracking_poll": timedelta(minutes=10)}
)


@pytest.fixture
async def history_stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    async with e2e_stack(e2e_temporal, tmp_path, request, with_workers=True, orders=HISTORY_ORDERS) as stack:
        yield stack


async def make_history(stack: Stack, shop: SandboxShop, now: int) -> dict[str, str]:
    """The orders of the last 30 days (TikTok pushed no webhook for them), and a few older ones that the
    backfill must not touch; returns the in-range orders' ids with the TikTok status each was created in."""
    created_as: dict[str, str] = {}
    for index, (status, (count, _)) in enumerate(MIX.items()):
        # Still to ship: recent (their ship-by is ahead). Delivered: within TikTok's 7 days before it
        # completes them itself. The rest spread over the month.
        ages = {"AWAITING_SHIPMENT": 3600, "DELIVERED": 2 * DAY}
        created = now - ages.get(status, (index + 2) * 4 * DAY)
        orders = await stack.control.create_orders(
            shop.shop_id, shop.sku_id, count=count, status=status, create_time=created
        )
        created_as |= {order["id"]: status for order in orders}
    await stack.control.create_orders(
        shop.shop_id, shop.sku_id, count=10, status="COMPLETED", create_time=now - 40 * DAY
    )
    return created_as


async def labels_sold_per_order(stack: Stack) -> Counter[str]:
    """Labels the carrier emulators sold, per order: the buyer's reference is the order workflow's
    purchase key, `order:{shop}:{order}:label:{generation}`."""
    return Counter(
        purchase["reference"].split(":")[2]
        for report in await purchase_reports(stack)
        for purchase in report["purchases"]
    )


def busiest_api_second(ledger: list[dict[str, Any]]) -> int:
    """The most calls TikTok received for one (shop, API) within any one second: what its rate limit
    counts (per shop_cipher and path template; seller-level calls have no cipher)."""
    arrivals: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for entry in ledger:
        cipher = parse_qs(entry["query"]).get("shop_cipher", [""])[0]
        arrivals[(cipher, entry["route"] or entry["path"])].append(entry["received"])
    return max(busiest_second(times) for times in arrivals.values())


async def test_backfill_of_two_thousand_orders_records_closed_ones_starts_open_ones_and_buys_what_is_due(
    history_stack: Stack,
) -> None:
    stack = history_stack
    shop = await connect_sandbox_shop(stack)
    await delete_reconcile_schedule(stack.client, shop.shop_id)  # this test is about the backfill alone
    now = int(time.time())
    created_as = await make_history(stack, shop, now)
    expected = {order_id: MIX[status][1] for order_id, status in created_as.items()}
    due = {order_id for order_id, status in created_as.items() if status == "AWAITING_SHIPMENT"}
    closed = {order_id for order_id, status in created_as.items() if status in CLOSED}
    assert len(expected) == 2000 and len(due) == 50 and len(closed) == 1500
    request = BackfillInput(
        shop_id=shop.shop_id, since=datetime.fromtimestamp(now - 30 * DAY, UTC), until=None, window=50
    )

    first = await (await start_backfill(stack.client, request)).result()
    assert (first.seen, first.closed, first.started, first.already_existed, first.skipped) == (
        2000,
        1500,
        500,
        0,
        0,
    )
    assert (first.errors, first.pages, first.total, first.done) == (0, 20, 2000, True)
    assert first.by_status == {status: count for status, (count, _) in MIX.items()}

    def settled(rows: list) -> bool:  # type: ignore[type-arg]
        return len(rows) == 2000 and all(row.state == expected[row.order_id] for row in rows)

    await eventually(lambda: projections(stack, shop.shop_id), settled, timeout=180)
    # Exactly the orders TikTok still awaited got one label each, and were marked shipped with it; none
    # created shipped (AWAITING_COLLECTION and on), delivered, completed or cancelled got one.
    one_each = Counter(due)
    assert Counter(label.order_id for label in stack.store.labels(shop_id=shop.shop_id)) == one_each
    assert await labels_sold_per_order(stack) == one_each
    assert await ship_calls(stack) == Counter(shipped_path(order_id) for order_id in due)

    second = await (await start_backfill(stack.client, request)).result()
    assert (second.seen, second.closed, second.started, second.errors) == (2000, 1500, 0, 0)
    assert (second.skipped, second.already_existed) == (0, 500)

    async def order_workflows() -> Counter[str]:
        query = f"WorkflowType = 'OrderWorkflow' AND ShopId = '{shop.shop_id}'"
        return Counter([execution.id async for execution in stack.client.list_workflows(query)])

    runs = await eventually(order_workflows, lambda runs: sum(runs.values()) >= 500)
    assert set(runs.values()) == {1}  # one run per order: nothing was started twice
    # Only the open orders have workflows; the closed ones are in the store all the same (checked above).
    assert {workflow_id.rsplit(":", 1)[1] for workflow_id in runs} == set(expected) - closed
    assert await labels_sold_per_order(stack) == one_each  # the second run bought nothing either
    ledger = await stack.control.ledger()
    assert [entry for entry in ledger if entry["status"] == 429] == []
    assert busiest_api_second(ledger) <= (await stack.control.gateway())["qps"]
    assert sum(1 for entry in ledger if entry["path"] == "/order/202309/orders/search") == 40
    # No closed order was read in detail: the search page was all the backfill needed of it.
    read = {order_id for entry in ledger for order_id in detail_ids(entry)}
    assert read and not read & closed


def detail_ids(entry: dict[str, Any]) -> list[str]:
    """The order ids a Get Order Detail call (`GET /order/{version}/orders?ids=...`) asked for."""
    path = entry["path"]
    if entry["method"] != "GET" or not (path.startswith("/order/") and path.endswith("/orders")):
        return []
    return [order_id for value in parse_qs(entry["query"]).get("ids", []) for order_id in value.split(",")]
