"""The worker SIGKILLed at random points across 200 orders, and restarted each time: every order still ships,
with one label bought and one "shipped" told to TikTok.

Some kills are aimed at the worst moment: both carrier emulators hold their answer to a label purchase after
selling the label, and the worker is killed as soon as a sale shows, so it dies having paid for a label it
never heard of. Its activity's retry, on the next worker, must find that label rather than buy another.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from activities import contracts
from creatorflow.names import order_workflow_id
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from devstack.stack import Stack, connect_sandbox_shop
from emulators.faults import FaultRule
from tests.e2e.conftest import e2e_stack
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections, ship_calls, shipped_path
from tests.processes import kill, running_worker, worker_env

ORDERS = 200
ROUNDS = 10  # each: a wave of orders, then one kill and a restart
WAVE = ORDERS // ROUNDS
AIMED = 5  # of those kills, aimed between "label bought" and "label recorded"
MIN_LANDED = 3  # aimed kills that must be seen to have landed there
# How long a carrier holds a purchase's answer while a kill is aimed: ample time to see the sale and kill,
# and under the activity's timeout (FAST_ORDERS, 4 s), so that only the kill loses the answer.
HOLD_MS = 3000


@pytest.fixture
async def workerless_stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    """The stack without workers, its shipped orders polling their carrier rarely: on the fast timings 200
    of them would keep a lone worker busy with tracking, which this scenario is not about."""
    orders = FAST_ORDERS.model_copy(update={"tracking_poll": timedelta(minutes=10)})
    async with e2e_stack(e2e_temporal, tmp_path, request, with_workers=False, orders=orders) as stack:
        yield stack


async def test_sigkilled_workers_lose_no_order_and_never_buy_or_ship_twice(
    workerless_stack: Stack, e2e_temporal: WorkflowEnvironment, tmp_path: Path
) -> None:
    stack = workerless_stack
    shop = await connect_sandbox_shop(stack)
    seed = int(os.environ.get("CHAOS_SEED") or random.randrange(2**32))
    print(f"chaos seed {seed} (CHAOS_SEED={seed} repeats this kill plan)")
    chaos = random.Random(seed)
    aimed_at = [True] * AIMED + [False] * (ROUNDS - AIMED)
    chaos.shuffle(aimed_at)
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    log = tmp_path / "worker-0.log"
    worker = await running_worker(env, log)
    unheard_of: list[set[str]] = []  # per aimed kill: the labels sold whose answers it cut off
    try:
        for life, aimed in enumerate(aimed_at, start=1):
            await stack.control.create_orders(shop.shop_id, shop.sku_id, count=WAVE, on_hold=False)
            if aimed:
                unheard_of.append(await kill_after_next_sale(stack, worker))
            else:
                await asyncio.sleep(chaos.uniform(0.5, 5.0))
                kill(worker)
            log = tmp_path / f"worker-{life}.log"
            worker = await running_worker(env, log)
        await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", ORDERS), timeout=300)
    finally:
        kill(worker)
        print(f"the last worker's log ends:\n{log.read_text()[-3000:]}")

    labels = stack.store.labels(shop_id=shop.shop_id)
    tiktok_orders = await stack.control.shop_orders(shop.shop_id)
    assert len(tiktok_orders) == ORDERS
    assert Counter(label.order_id for label in labels) == Counter(order["id"] for order in tiktok_orders)
    sold = await labels_sold(stack)
    assert sum(sold.values()) == ORDERS and set(sold.values()) == {1}
    tracking = {label.order_id: label.tracking_number for label in labels}
    for order in tiktok_orders:
        assert (order["status"], order["tracking_number"]) == ("AWAITING_COLLECTION", tracking[order["id"]])
    assert await ship_calls(stack) == Counter(shipped_path(order["id"]) for order in tiktok_orders)

    # An aimed kill landed if an order whose label it cut off had its purchase report back only from a
    # later attempt: the retry that found the label.
    order_of = {label.provider_label_id: label.order_id for label in labels}
    landed = 0
    for label_ids in unheard_of:
        workflow_ids = [order_workflow_id(shop.shop_id, order_of[label_id]) for label_id in label_ids]
        landed += any([await buy_attempt(stack, workflow_id) > 1 for workflow_id in workflow_ids])
    print(f"{ROUNDS} kills, {landed} of the {AIMED} aimed ones between a label bought and recorded")
    assert landed >= MIN_LANDED


async def kill_after_next_sale(stack: Stack, worker: Popen[bytes]) -> set[str]:
    """Hold every purchase's answer, kill the worker as soon as a label is sold, and return the labels sold
    meanwhile: paid for, with their answers still held when the worker died."""
    async with httpx.AsyncClient(timeout=10) as http:
        for url, path in buy_paths(stack).items():
            hold = FaultRule(path=path, method="POST", after_commit_latency_ms=HOLD_MS)
            (await http.put(f"{url}/_admin/faults", json=[hold.model_dump()])).raise_for_status()
        try:
            before = await labels_sold_so_far(http, stack)
            after = await eventually(
                lambda: labels_sold_so_far(http, stack), lambda now: len(now) > len(before), timeout=120
            )
            kill(worker)
        finally:
            for url in buy_paths(stack):
                (await http.delete(f"{url}/_admin/faults")).raise_for_status()
    return after - before


def buy_paths(stack: Stack) -> dict[str, str]:
    """Each carrier emulator, and its path that sells a label."""
    return {stack.emulators.shippo_url: "/transactions", stack.emulators.easypost_url: "/v2/shipments/*/buy"}


async def labels_sold_so_far(http: httpx.AsyncClient, stack: Stack) -> set[str]:
    sold: set[str] = set()
    for url in stack.emulators.carrier_urls:
        report: dict[str, Any] = (await http.get(f"{url}/_admin/purchases")).json()
        sold |= {purchase["label_id"] for purchase in report["purchases"]}
    return sold


async def buy_attempt(stack: Stack, workflow_id: str, activity: str = contracts.BUY_LABEL.name) -> int:
    """The attempt on which the order's label purchase (or `activity`) reported back (history keeps only
    that one); the latest such attempt when the order ran it more than once."""
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    buys = {
        event.event_id
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == activity
    }
    return max(
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and event.activity_task_started_event_attributes.scheduled_event_id in buys
    )
