"""`creatorflow reconcile --shop S`: run one reconciliation pass of a shop now, through its Schedule."""

from __future__ import annotations

import asyncio

import typer
from temporalio.service import RPCError, RPCStatusCode

from creatorflow.config import get_settings
from starter import runtime
from starter.backfill import print_summary, require_connected
from workers.client import connect
from workers.schedules import ensure_reconcile_schedule, run_reconcile_now


def reconcile(shop: str = typer.Option(..., help="the connected TikTok shop id")) -> None:
    """Poll TikTok for a shop's changed orders now (as its Schedule does every few minutes)."""
    settings = get_settings()
    require_connected(settings, shop)

    async def run() -> None:
        client = await connect(settings.temporal, runtime.keyring(settings))
        try:
            handle = await run_reconcile_now(client, shop)
        except RPCError as exc:  # no Schedule yet; an existing one is left as it is (even paused)
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            await ensure_reconcile_schedule(client, shop, settings.sync)
            handle = await run_reconcile_now(client, shop)
        typer.echo(f"reconcile pass {handle.id} ...")
        print_summary(handle.id, "COMPLETED", await handle.result())

    asyncio.run(run())
