"""JSON logs carry the order and shop they concern, from our own calls and from Temporal's loggers."""

from __future__ import annotations

import json
import logging
import sys

from creatorflow.logs import JsonFormatter


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
