"""`creatorflow dev`, the README's main job, run as a user runs it."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from creatorflow.config import Settings
from emulators import saved_state
from emulators.carriers.easypost import EasyPostSandbox
from emulators.carriers.shippo import ShippoSandbox
from emulators.tiktok.app import SavedTikTok
from emulators.tiktok.wire_models import OrderStatus
from starter import runtime
from tests.processes import CREATORFLOW


def dev_settings(data_dir: Path) -> Settings:
    """What `creatorflow dev` reads on `data_dir`, to look at what it left there."""
    return Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'creatorflow.db'}")


def run_dev(data_dir: Path, orders: int) -> dict[str, Any]:
    """`creatorflow dev --orders N --until delivered --json` on `data_dir`, to its end; its JSON summary."""
    summary, _ = run_dev_logged(data_dir, orders)
    return summary


def run_dev_logged(data_dir: Path, orders: int) -> tuple[dict[str, Any], str]:
    """`run_dev`'s summary and what the command printed on stderr, which is not a terminal here."""
    settings = dev_settings(data_dir)
    env = {
        **os.environ,
        "CREATORFLOW_DATA_DIR": str(data_dir),
        "CREATORFLOW_DATABASE_URL": settings.database_url,
    }
    command = ["dev", "--orders", str(orders), "--until", "delivered", "--json", "--timeout", "240"]
    finished = subprocess.run(
        [str(CREATORFLOW), *command], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    summary: dict[str, Any] = json.loads(finished.stdout)  # stdout holds the summary and nothing else
    return summary, finished.stderr


def test_dev_delivers_twenty_orders_and_prints_a_json_summary(tmp_path: Path) -> None:
    summary, log = run_dev_logged(tmp_path, 20)
    assert summary["orders"] == 20
    assert summary["states"] == {"DELIVERED": 20}
    assert summary["labels_bought"] == 20
    assert summary["resumed"] is False
    assert (tmp_path / "temporal.db").exists() and (tmp_path / "encryption.key").exists()
    # Without a terminal, progress is plain lines, one per change of the counts, down to the last one.
    progress = [line for line in log.splitlines() if line.startswith("progress: ")]
    assert len(progress) >= 2, log[-3000:]
    assert all(earlier != later for earlier, later in itertools.pairwise(progress))
    assert progress[-1] == "progress: 20 orders · 20 labels bought · DELIVERED 20"
    assert not any("\x1b[" in line for line in progress)


def test_dev_run_again_resumes_the_same_shop_with_its_earlier_orders(tmp_path: Path) -> None:
    first = run_dev(tmp_path, 3)
    assert first["resumed"] is False and first["states"] == {"DELIVERED": 3}
    store = runtime.store(dev_settings(tmp_path))
    first_orders = {record.order_id for record in store.orders(first["shop_id"])}
    assert len(first_orders) == 3

    second = run_dev(tmp_path, 2)

    assert second["resumed"] is True
    assert second["shop_id"] == first["shop_id"]
    assert second["orders"] == 2 and second["states"] == {"DELIVERED": 2}
    records = {record.order_id: record.state for record in store.orders(first["shop_id"])}
    assert len(records) == 5 and set(records.values()) == {"DELIVERED"}
    assert first_orders < records.keys()
    # The TikTok emulator kept every order of both runs, and the carriers sold one label per order.
    sandbox = tmp_path / "sandbox"
    tiktok = saved_state.load(sandbox / "tiktok.state", SavedTikTok)
    assert tiktok is not None
    on_tiktok = [tiktok.world.orders.find(order_id) for order_id in records]
    assert {(order.shop_id, order.status) for order in on_tiktok} == {
        (first["shop_id"], OrderStatus.DELIVERED)
    }
    shippo = saved_state.load(sandbox / "shippo.state", ShippoSandbox)
    easypost = saved_state.load(sandbox / "easypost.state", EasyPostSandbox)
    assert shippo is not None and easypost is not None
    assert len(shippo.state.purchases) + len(easypost.state.purchases) == 5
    assert len(store.labels(first["shop_id"])) == 5
