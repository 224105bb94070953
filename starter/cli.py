"""The `creatorflow` command: one binary for every role (dev, worker, api, sandbox, ...)."""

from __future__ import annotations

import typer

from bench.cli import bench_app
from starter import dev, reconcile, services
from starter.backfill import backfill_app
from starter.inventory import inventory_app
from starter.report import report_app
from starter.sandbox import sandbox_app

app = typer.Typer(
    help="CreatorFlow: TikTok Shop fulfillment on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(report_app, name="report")
app.add_typer(inventory_app, name="inventory")
app.add_typer(backfill_app, name="backfill")
app.add_typer(bench_app, name="bench")
app.command()(dev.dev)
app.command()(services.worker)
app.command()(services.api)
app.command()(reconcile.reconcile)
