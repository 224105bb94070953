"""The `creatorflow` command: one binary for every role (dev, worker, api, sandbox, ...)."""

from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

from starter import reconcile, services
from starter.alerts import alerts_app
from starter.backfill import backfill_app
from starter.finance import finance_app
from starter.inventory import inventory_app
from starter.labels import labels_app
from starter.report import report_app
from starter.rules import rules_app
from starter.shops import shops_app

app = typer.Typer(
    help="CreatorFlow: TikTok Shop fulfillment on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(report_app, name="report")
app.add_typer(inventory_app, name="inventory")
app.add_typer(backfill_app, name="backfill")
app.add_typer(rules_app, name="rules")
app.add_typer(labels_app, name="labels")
app.add_typer(alerts_app, name="alerts", no_args_is_help=True)
app.add_typer(finance_app, name="finance")
app.add_typer(shops_app, name="shops")
app.command()(services.worker)
app.command()(services.api)
app.command()(reconcile.reconcile)

# Command name -> (module, attribute) of the dev tools, which only a checkout has (`pip install -e '.[dev]'`).
DEV_TOOLS = {
    "dev": ("devstack.dev", "dev"),
    "sandbox": ("emulators.cli", "sandbox_app"),
    "bench": ("bench.cli", "bench_app"),
}
DEV_PACKAGES = {"devstack", "emulators", "bench"}


def _mount_dev_tools() -> None:
    """Add each dev tool whose package is importable; without them (the production image) they are not
    listed. By module name, so the product never imports emulator or benchmark code."""
    for name, (module_name, attribute) in DEV_TOOLS.items():
        try:
            tool = getattr(importlib.import_module(module_name), attribute)
        except ModuleNotFoundError as missing:
            if (missing.name or "").split(".")[0] in DEV_PACKAGES:
                continue
            raise
        if isinstance(tool, typer.Typer):
            app.add_typer(tool, name=name)
        else:
            app.command(name)(tool)


_mount_dev_tools()


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
