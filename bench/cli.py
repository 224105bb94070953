"""`creatorflow bench ...`: run one benchmark and print its JSON line (progress goes to stderr)."""

from __future__ import annotations

import typer

from bench import backfill, lifecycle, webhooks
from bench.harness import measure
from creatorflow.sync import SyncPolicy

bench_app = typer.Typer(
    help="Benchmarks against a baseline measured in the same run; each prints one JSON line.",
    no_args_is_help=True,
)


@bench_app.command("lifecycle")
def lifecycle_bench(
    orders: int = typer.Option(100, min=1, help="paid orders to ship (and bare workflows to run)"),
    timeout: float = typer.Option(300, help="give up on any phase after this many seconds"),
    workers: int = typer.Option(
        0, min=0, help="run the workers as this many `creatorflow worker` processes (0: in this process)"
    ),
) -> None:
    """Orders/s from paid to shipped through the real stack, against bare no-op workflows (goal: 0.7);
    an order's history events and CPU per order (ours, the dev server's)."""
    measure(lifecycle.run(orders, timeout, workers))


@bench_app.command("webhooks")
def webhooks_bench(
    seconds: float = typer.Option(20, min=1, help="how long the sender loads each target"),
    concurrency: int = typer.Option(32, min=1, help="requests the sender keeps in flight"),
    limit: int = typer.Option(50_000, min=1, help="at most this many events per target"),
) -> None:
    """Signed TikTok webhooks/s into our API (p50/p99), against an app that only answers 200."""
    measure(webhooks.run(seconds, concurrency, limit))


@bench_app.command("backfill")
def backfill_bench(
    orders: int = typer.Option(10_000, min=1, help="historical orders in the shop's last 30 days"),
    window: int = typer.Option(SyncPolicy().window, min=1, max=500, help="hand-overs in flight at once"),
    timeout: float = typer.Option(1800, help="give up on any phase after this many seconds"),
) -> None:
    """Seconds to hand a backfill over, search pages/s against the limit (goal: 10,000 in 60 s, no 429)."""
    measure(backfill.run(orders, window, timeout))
