"""JSON logs carry the order and shop they concern, from our own calls and from Temporal's loggers."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from creatorflow.logs import JsonFormatter
from creatorflow.names import (
    backfill_workflow_id,
    catalog_workflow_id,
    finance_schedule_id,
    finance_sync_workflow_id,
    ids_of_workflow,
    order_workflow_id,
    reconcile_schedule_id,
    shop_workflow_id,
)


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("creatorflow.test", logging.WARNING, __file__, 1, message, (), None)
    entry.__dict__.update(extra)
    return entry


def test_a_workflow_log_line_names_its_workflow_and_order() -> None:
    line = JsonFormatter().format(
        record(
            "order needs attention",
            shop_id="shop-1",
            order_id="576",
            temporal_workflow={"workflow_id": "order:shop-1:576", "run_id": "r1", "namespace": "default"},
        )
    )
    entry = json.loads(line)
    assert entry["message"] == "order needs attention"
    assert entry["level"] == "WARNING"
    assert (entry["shop_id"], entry["order_id"], entry["workflow_id"]) == (
        "shop-1",
        "576",
        "order:shop-1:576",
    )
    assert "namespace" not in entry


def test_an_exception_is_kept_whole_on_one_line() -> None:
    try:
        raise ValueError("carrier refused the address")
    except ValueError:
        failing = record("label purchase failed")
        failing.exc_info = sys.exc_info()
    line = JsonFormatter().format(failing)
    assert "\n" not in line
    assert "ValueError: carrier refused the address" in json.loads(line)["error"]


@pytest.mark.parametrize(
    ("workflow_id", "ids"),
    [
        (order_workflow_id("shop-1", "576"), {"shop_id": "shop-1", "order_id": "576"}),
        (shop_workflow_id("shop-1"), {"shop_id": "shop-1"}),
        (catalog_workflow_id("shop-1"), {"shop_id": "shop-1"}),
        (backfill_workflow_id("shop-1", "2024-01-01", "now", dry_run=True), {"shop_id": "shop-1"}),
        # A Schedule's run: the schedule's ID, then the time it was due.
        (f"{reconcile_schedule_id('shop-1')}-2024-06-13T18:05:00Z", {"shop_id": "shop-1"}),
        (f"{finance_schedule_id('shop-1')}-2024-06-13T02:00:00Z", {"shop_id": "shop-1"}),
        (finance_sync_workflow_id("shop-1"), {"shop_id": "shop-1"}),
        ("bench-7", {}),
        ("order:shop-1", {}),
    ],
)
def test_a_workflow_id_names_its_shop_and_order(workflow_id: str, ids: dict[str, str]) -> None:
    assert ids_of_workflow(workflow_id) == ids
