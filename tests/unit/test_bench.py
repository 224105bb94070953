"""The benchmarks' cheap parts: the CLI lists them, the sender's events are ones our API accepts, and the
rate read off the emulator's ledger. (The benchmarks themselves are timing; they are run, not tested.)"""

from __future__ import annotations

from typer.testing import CliRunner

from bench.backfill import busiest_api
from bench.sender import event
from creatorflow.tiktok.webhooks import OrderStatusChange, parse_event, verify_signature
from starter.cli import app


def test_the_bench_command_lists_the_three_benchmarks() -> None:
    shown = CliRunner().invoke(app, ["bench", "--help"])
    assert shown.exit_code == 0, shown.output
    for name in ("lifecycle", "webhooks", "backfill"):
        assert name in shown.output


def test_sender_events_are_signed_order_status_changes_three_per_order() -> None:
    events = [event("key", "secret", "shop-1", number) for number in range(6)]
    for body, signature in events:
        verify_signature("key", "secret", body, signature)
    parsed = [parse_event(body) for body, _ in events]
    assert len({e.dedup_key for e in parsed}) == 6
    changes = [e.data for e in parsed]
    assert all(isinstance(change, OrderStatusChange) for change in changes)
    assert len({change.order_id for change in changes if isinstance(change, OrderStatusChange)}) == 2


def test_busiest_api_rate_is_its_calls_over_its_span() -> None:
    ledger = [
        *({"path": "/order/202309/orders", "status": 200, "at": 100 + i / 40} for i in range(81)),
        {"path": "/order/202309/orders", "status": 429, "at": 101.0},
        {"path": "/order/202309/orders/search", "status": 200, "at": 100.5},
    ]
    assert busiest_api(ledger) == ("/order/202309/orders", 40.0)
