"""The worker SIGKILLed mid-split and mid-purchase of a split order's label, and restarted: every order is
split on TikTok once, each of its packages gets one label, and TikTok's packages carry those labels.

The first kill lands while TikTok holds its answer to a split it has made: the retry on the next worker
must find the order split so, not split it again. The second lands after a carrier sold a package's label
and before the worker heard of it: the retry must find that label, not buy another. Meanwhile TikTok loses
its answers to two packages' "shipped" calls after making them: the retries, told "already shipped", must
see their tracking numbers on those packages and carry on.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from activities import contracts
from creatorflow.names import order_workflow_id
from devstack.polling import eventually
from devstack.stack import Stack, connect_sandbox_shop
from emulators.faults import FaultRule
from tests.chaos.test_worker_kills import HOLD_MS, buy_attempt, kill_after_next_sale
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections, ship_calls, shipped_path
from tests.e2e.test_split_orders import MUG, MUG_BOX
from tests.processes import kill, running_worker, worker_env

ORDERS = 6
ALREADY_SHIPPED = 21011040
SPLIT_PATH = "/fulfillment/202309/orders/*/split"
MARK_SHIPPED_PATH = shipped_path("*")


async def test_workers_killed_mid_split_and_mid_purchase_split_once_and_buy_one_label_per_package(
    workerless_stack: Stack, e2e_temporal: WorkflowEnvironment, tmp_path: Path
) -> None:
    stack = workerless_stack
    shop = await connect_sandbox_shop(stack)
    stack.store.put_box(shop.shop_id, MUG_BOX)
    mug = await stack.control.create_product(
        shop.shop_id, "Mug", [{"seller_sku": "MUG", "price": "12.00", "stock": 100}], MUG
    )
    sku_id = mug.skus[0].id
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    hold = FaultRule(path=SPLIT_PATH, method="POST", after_commit_latency_ms=HOLD_MS)
    await stack.control.set_faults([hold.model_dump()])
    await stack.control.create_orders(
        shop.shop_id, sku_id, count=ORDERS, on_hold=False, items=[{"sku_id": sku_id, "quantity": 4}]
    )
    log = tmp_path / "worker-0.log"
    worker = await running_worker(env, log)
    try:
        held = await eventually(
            lambda: split_orders(stack, shop.shop_id), lambda split: len(split) > 0, timeout=120
        )
        kill(worker)  # TikTok made a split and holds its answer: the worker never hears of it
        lost = FaultRule(
            path=MARK_SHIPPED_PATH, method="POST", after_commit="5xx", after_commit_rate=1, times=2
        )
        await stack.control.set_faults([lost.model_dump()])
        log = tmp_path / "worker-1.log"
        worker = await running_worker(env, log)
        await kill_after_next_sale(stack, worker)
        log = tmp_path / "worker-2.log"
        worker = await running_worker(env, log)
        await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", ORDERS), timeout=240)
    finally:
        kill(worker)
        print(f"the last worker's log ends:\n{log.read_text()[-3000:]}")

    tiktok_orders = await stack.control.shop_orders(shop.shop_id)
    splits = Counter(call["path"] for call in await stack.control.ledger(SPLIT_PATH) if call["code"] == 0)
    labels = stack.store.labels(shop_id=shop.shop_id)
    for order in tiktok_orders:
        assert splits[SPLIT_PATH.replace("*", order["id"])] == 1  # split once, never again on a retry
        assert order["status"] == "AWAITING_COLLECTION" and len(order["packages"]) == 2
        by_package = {item["package_id"]: item["tracking_number"] for item in order["line_items"]}
        assert set(by_package) == {package["id"] for package in order["packages"]}
        ours = sorted(label.tracking_number for label in labels if label.order_id == order["id"])
        assert sorted(by_package.values()) == ours and len(set(ours)) == 2  # one label per package
    # The kill landed mid-split: a split TikTok had made was reported back only by a later attempt.
    attempts = [
        await buy_attempt(stack, order_workflow_id(shop.shop_id, order["id"]), contracts.SPLIT_ORDER.name)
        for order in held
    ]
    assert max(attempts) > 1
    retried = [c for c in await stack.control.ledger(MARK_SHIPPED_PATH) if c["code"] == ALREADY_SHIPPED]
    assert len(retried) >= 2  # each lost answer's retry was told "already shipped", and took it as done
    sold = await labels_sold(stack)
    assert sum(sold.values()) == 2 * ORDERS and set(sold.values()) == {1}
    assert await ship_calls(stack) == Counter({shipped_path(order["id"]): 2 for order in tiktok_orders})


async def split_orders(stack: Stack, shop_id: str) -> list[dict[str, Any]]:
    return [o for o in await stack.control.shop_orders(shop_id) if o.get("split_or_combine_tag") == "SPLIT"]
