"""The `creatorflow` command: one binary for every role (dev, worker, api, sandbox, ...)."""

from __future__ import annotations

import logging
import os
import sys

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


def main() -> None:
    """Run a command, then end the process without interpreter teardown.

    temporalio's Rust runtime keeps threads that can outlive the command; tearing the interpreter down
    under them sometimes aborts a command that already finished ("PyGILState_Release: thread state ...
    must be current", temporalio/sdk-python#300). Every command has shut its own work down by the time
    it returns, so there is nothing left for teardown to do but flush.
    """
    try:
        app()
        code: int | str | None = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
