"""A worker process killed with SIGKILL mid-flight, again and again: every order still gets exactly one
label, and TikTok is told exactly one tracking number per order."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from starter.stack import Stack, connect_sandbox_shop
from tests.e2e.conftest import eventually
from tests.e2e.test_order_lifecycle import all_in, labels_sold, projections


def worker_env(stack: Stack, temporal_address: str) -> dict[str, str]:
    """The test stack's settings, as the environment a separately started worker reads them from."""
    s = stack.settings
    return {
        **os.environ,
        "CREATORFLOW_TEMPORAL__ADDRESS": temporal_address,
        "CREATORFLOW_TIKTOK__APP_KEY": s.tiktok.app_key,
        "CREATORFLOW_TIKTOK__APP_SECRET": s.tiktok.app_secret.get_secret_value(),
        "CREATORFLOW_TIKTOK__API_BASE_URL": s.tiktok.api_base_url,
        "CREATORFLOW_TIKTOK__AUTH_BASE_URL": s.tiktok.auth_base_url,
        "CREATORFLOW_TIKTOK__TIMEOUT_SECONDS": str(s.tiktok.timeout_seconds),
        "CREATORFLOW_SHIPPO__BASE_URL": s.shippo.base_url,
        "CREATORFLOW_EASYPOST__BASE_URL": s.easypost.base_url,
        "CREATORFLOW_DATABASE_URL": s.database_url,
        "CREATORFLOW_ENCRYPTION_KEYS": s.encryption_keys.get_secret_value() if s.encryption_keys else "",
        "CREATORFLOW_DATA_DIR": str(s.data_dir),
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    creatorflow = Path(sys.executable).parent / "creatorflow"
    with log.open("ab") as out:
        return subprocess.Popen([str(creatorflow), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_sigkilled_worker_never_buys_twice(
    workerless_stack: Stack, e2e_temporal: WorkflowEnvironment, tmp_path: Path
) -> None:
    stack = workerless_stack
    shop = await connect_sandbox_shop(stack)
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=20, on_hold=False)
        chaos = random.Random(11)
        for _ in range(4):
            await asyncio.sleep(chaos.uniform(0.3, 1.5))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            worker = start_worker(env, log)
        await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", 20), timeout=120)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    sold = await labels_sold(stack)
    assert sum(sold.values()) == 20 and set(sold.values()) == {1}, log.read_text()[-2000:]
    labels = {label.order_id: label.tracking_number for label in stack.store.labels(shop_id=shop.shop_id)}
    assert set(labels) == {order["id"] for order in created}
    for order in await stack.control.shop_orders(shop.shop_id):
        assert order["tracking_number"] == labels[order["id"]]
