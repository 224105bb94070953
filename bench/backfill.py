"""A backfill of N historical orders (10,000 by default) through the real stack: how long until every
order is handed over (the closed ones recorded from the search pages, the open ones' workflows started;
goal: 60 s for 10,000, with no 429), the search pages/s against the search API's limit, and how long until
every order is recorded in the store.

The client's own limiter allows `qps_per_api` (40 by default) of the emulator's 50 per (shop, API): the
search pages, 100 orders each, are what should bound the hand-over, not our CPU.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import log, quiet_shop, sandbox
from creatorflow.sync import BackfillInput
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from starter.backfill import start_backfill

GOAL_SECONDS_PER_10K = 60.0
DAY = 24 * 3600
# A shop's last 30 days, as TikTok status -> share; like a real shop's, most of it is finished (closed:
# recorded, no workflow); the rest (25 %) is open: to ship, shipped, in transit, or inside its return window.
HISTORY = {
    "AWAITING_SHIPMENT": 0.025,  # still to ship: we buy its label and tell TikTok
    "AWAITING_COLLECTION": 0.075,
    "IN_TRANSIT": 0.075,
    "DELIVERED": 0.075,
    "COMPLETED": 0.375,
    "CANCELLED": 0.375,
}
# Still-to-ship orders are recent (their ship-by is ahead), delivered ones within TikTok's 7 days.
AGE_SECONDS = {"AWAITING_SHIPMENT": 3600, "DELIVERED": 2 * DAY}
# Thousands of orders start at once: TikTok activities wait their turn in the client's limiter, so they
# get the production timeout; shipped orders sit without polling.
HISTORY_ORDERS = FAST_ORDERS.model_copy(
    update={"activity_timeout": timedelta(seconds=30), "tracking_poll": timedelta(minutes=30)}
)


async def run(orders: int, window: int, timeout: float) -> dict[str, Any]:
    async with sandbox(HISTORY_ORDERS) as stack:
        shop = await quiet_shop(stack)
        now = int(time.time())
        await make_history(stack, shop, orders, now)
        log(f"{orders} historical orders created; backfilling")
        request = BackfillInput(
            shop_id=shop.shop_id, since=datetime.fromtimestamp(now - 30 * DAY, UTC), window=window
        )
        started = time.monotonic()
        progress = await asyncio.wait_for((await start_backfill(stack.client, request)).result(), timeout)
        handed_over = time.monotonic() - started
        log(f"handed over in {handed_over:.1f} s: {progress.started} started, {progress.errors} errors")
        await eventually(
            lambda: recorded(stack, shop),
            lambda n: n >= orders,
            timeout,
            interval=0.1,
            what="orders recorded",
        )
        seconds = time.monotonic() - started
        log(f"all {orders} orders recorded in {seconds:.1f} s")
        ledger = await stack.control.ledger()
        qps = float((await stack.control.gateway())["qps"])
    busiest, calls_per_s = busiest_api(ledger)
    too_many = sum(1 for entry in ledger if entry["status"] == 429)
    goal = GOAL_SECONDS_PER_10K * orders / 10_000
    return {
        "bench": "backfill",
        "orders": orders,
        "closed_recorded": progress.closed,
        "started": progress.started,
        "errors": progress.errors,
        "handover_seconds": round(handed_over, 1),
        "pages": progress.pages,
        "pages_per_s": round(progress.pages / handed_over, 1),
        "search_limit_per_s": {"emulator": qps, "client": stack.settings.tiktok.qps_per_api},
        "seconds": round(seconds, 1),
        "orders_per_s": round(orders / seconds, 1),
        "busiest_api": busiest,
        "calls_per_s": round(calls_per_s, 1),
        "rate_limit_used": round(calls_per_s / qps, 3),
        "http_429": too_many,
        "goal_handover_seconds": round(goal, 1),
        "met": handed_over <= goal and too_many == 0 and progress.errors == 0,
    }


async def make_history(stack: Stack, shop: SandboxShop, count: int, now: int) -> None:
    """`count` orders created over the last 30 days, mixed as HISTORY says (TikTok pushed no webhook)."""
    left = count
    for index, (status, share) in enumerate(HISTORY.items()):
        batch = left if index == len(HISTORY) - 1 else round(count * share)
        created = now - AGE_SECONDS.get(status, (index + 2) * 4 * DAY)
        await stack.control.create_orders(
            shop.shop_id, shop.sku_id, count=batch, status=status, create_time=created
        )
        left -= batch


async def recorded(stack: Stack, shop: SandboxShop) -> int:
    return sum((await asyncio.to_thread(stack.store.order_states, shop.shop_id)).values())


def busiest_api(ledger: list[dict[str, Any]]) -> tuple[str, float]:
    """The API path answered most often, and its calls per second from its first call to its last."""
    answered = [entry for entry in ledger if entry["status"] == 200]
    path, _ = Counter(entry["path"] for entry in answered).most_common(1)[0]
    times = [entry["at"] for entry in answered if entry["path"] == path]
    span = max(times) - min(times)
    return path, (len(times) - 1) / span if span > 0 else 0.0
