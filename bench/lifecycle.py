"""N paid orders to shipped through the real stack, against bare workflows with as many no-op activities
per order, on the same dev server in the same run.

The real orders: the TikTok emulator sells N paid orders (no hold); its webhooks reach our API, which
starts one OrderWorkflow each; each reads the order, reserves stock, buys a label from the carrier
emulators, tells TikTok, and records every step in the store. The clock stops when the store shows all N
SHIPPED. The baseline: N `BareWorkflow`s, each running as many no-op activities as a warm-up order ran
before it was recorded SHIPPED (counted from that order's history), started by the same client and run
by a worker in the same process as the real workers.

It prints an order's Temporal footprint up to SHIPPED (history events, activities, signals, search
attribute upserts; a bare workflow's history beside it) and the CPU per order of each part: the
emulators, our Python, the dev server. With `--workers N` the real workers run as N `creatorflow worker`
processes (the API and emulators stay here), to show what a second process buys.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare import BARE_TASK_QUEUE, BareWorkflow, noop
from bench.harness import cpu_ms_per, cpu_seconds, log, quiet_shop, ratio, sandbox
from creatorflow.names import order_workflow_id
from creatorflow.orders import FulfillmentState, reached
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from devstack.processes import running_worker, worker_env
from devstack.stack import SandboxShop, Stack
from workers.worker import MAX_CONCURRENT_ACTIVITIES
from workflows.search_attributes import FULFILLMENT_STATE

GOAL = 0.7
BARE_ID = f"bench-bare:{uuid.uuid4().hex[:8]}"
BARE_LAST = f"{BARE_ID}:last"  # one whose history is counted
# Shipped orders wait quietly (no tracking polls) while the rest are measured.
BENCH_ORDERS = FAST_ORDERS.model_copy(update={"tracking_poll": timedelta(minutes=30)})


async def run(orders: int, timeout: float, workers: int = 0) -> dict[str, Any]:
    async with (
        sandbox(BENCH_ORDERS, with_workers=workers == 0) as stack,
        worker_processes(stack, workers) as pids,
    ):
        shop = await quiet_shop(stack)
        footprint = await footprint_until_shipped(stack, shop, timeout)
        per_order = footprint["activities"]
        log(f"an order's footprint from paid to shipped: {footprint}")
        before = cpu_seconds(pids)
        baseline = await run_bare(stack.client, orders, per_order, timeout)
        between = cpu_seconds(pids)
        log(f"baseline: {orders} bare workflows in {baseline:.1f} s")
        bare_events = len((await stack.client.get_workflow_handle(BARE_LAST).fetch_history()).events)
        real = await ship_orders(stack, shop, orders, timeout)
        after = cpu_seconds(pids)
        log(f"real: {orders} orders shipped in {real:.1f} s")
    orders_per_s, baseline_per_s = orders / real, orders / baseline
    return {
        "bench": "lifecycle",
        "orders": orders,
        "worker_processes": workers or "in this process",
        "activities_per_order": per_order,
        "history_events_per_order": footprint["history_events"],
        "baseline_history_events": bare_events,
        "footprint_until_shipped": footprint,
        "seconds": round(real, 2),
        "orders_per_s": round(orders_per_s, 2),
        "baseline_seconds": round(baseline, 2),
        "baseline_per_s": round(baseline_per_s, 2),
        "ratio": ratio(orders_per_s, baseline_per_s),
        "goal": GOAL,
        "met": orders_per_s / baseline_per_s >= GOAL,
        # CPU per order: the emulators, the rest of this process (API, store, and the workers unless they
        # run apart), the worker processes if they do, and the dev server ("children").
        "cpu_ms_per_order": cpu_ms_per(orders, between, after),
        "baseline_cpu_ms_per_order": cpu_ms_per(orders, before, between),
    }


async def ship_orders(stack: Stack, shop: SandboxShop, count: int, timeout: float) -> float:
    """Seconds from TikTok selling `count` paid orders to the store showing every one SHIPPED."""
    before = await shipped_count(stack, shop)
    started = time.monotonic()
    await stack.control.create_orders(shop.shop_id, shop.sku_id, count=count, on_hold=False)
    done = before + count
    await eventually(
        lambda: shipped_count(stack, shop), lambda n: n >= done, timeout, interval=0.1, what="orders shipped"
    )
    return time.monotonic() - started


async def shipped_count(stack: Stack, shop: SandboxShop) -> int:
    """The shop's orders at SHIPPED or further, by a cheap query (it runs every 0.1 s while measuring)."""
    states = await asyncio.to_thread(stack.store.order_states, shop.shop_id)
    return sum(n for state, n in states.items() if reached(FulfillmentState(state), FulfillmentState.SHIPPED))


@contextlib.asynccontextmanager
async def worker_processes(stack: Stack, count: int) -> AsyncIterator[frozenset[int]]:
    """`count` `creatorflow worker` processes on the stack's dev server and emulators; their pids."""
    env = worker_env(stack, stack.client.service_client.config.target_host)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for number in range(count):
            started.append(await running_worker(env, stack.settings.data_dir / f"worker-{number}.log"))
        yield frozenset(process.pid for process in started)
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            await asyncio.to_thread(process.wait)


async def footprint_until_shipped(stack: Stack, shop: SandboxShop, timeout: float) -> dict[str, int]:
    """Ship one order and count, in its history, up to and including the activity that recorded it
    SHIPPED (scheduled in the same workflow task as the search attribute's update): its events, its
    activities (one by queue too), the signals it took and its search attribute upserts."""
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, on_hold=False)
    await eventually(
        lambda: shipped_count(stack, shop),
        lambda n: n == 1,
        timeout,
        interval=0.1,
        what="warm-up order shipped",
    )
    handle = stack.client.get_workflow_handle(order_workflow_id(shop.shop_id, order["id"]))
    history = await handle.fetch_history()
    seen: Counter[int] = Counter()
    queues: Counter[str] = Counter()
    shipped_seen = False
    for number, event in enumerate(history.events, start=1):
        seen[event.event_type] += 1
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            queues[event.activity_task_scheduled_event_attributes.task_queue.name] += 1
            if shipped_seen:
                return {
                    "history_events": number,
                    "activities": seen[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED],
                    **{f"activities_on_{queue}": n for queue, n in sorted(queues.items())},
                    "signals": seen[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED],
                    "search_attribute_upserts": seen[EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES],
                }
        elif event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            state = fields.get(FULFILLMENT_STATE.name)
            shipped_seen = state is not None and json.loads(state.data) == FulfillmentState.SHIPPED.value
    raise RuntimeError("the warm-up order's history shows no activity recording it SHIPPED")


async def run_bare(client: Client, count: int, activities: int, timeout: float) -> float:
    """Seconds to start `count` bare workflows and see them all complete."""
    worker = Worker(
        client,
        task_queue=BARE_TASK_QUEUE,
        workflows=[BareWorkflow],
        activities=[noop],
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
    )
    async with worker:
        started = time.monotonic()
        handles = await asyncio.gather(
            *(
                client.start_workflow(
                    BareWorkflow.run, activities, id=f"{BARE_ID}:{i}", task_queue=BARE_TASK_QUEUE
                )
                for i in range(count - 1)
            ),
            client.start_workflow(BareWorkflow.run, activities, id=BARE_LAST, task_queue=BARE_TASK_QUEUE),
        )
        await asyncio.wait_for(asyncio.gather(*(handle.result() for handle in handles)), timeout)
        return time.monotonic() - started
