"""`creatorflow finance sync`: read TikTok's statements into the app database now (the daily Schedule does
it too); `creatorflow report finance` reads what was synced."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from creatorflow.config import get_settings
from creatorflow.store.tables import ShopStatus
from starter import runtime
from starter.backfill import parse_when, require_connected
from workers.client import connect
from workers.finance import start_finance_sync
from workers.schedules import ensure_finance_schedule

finance_app = typer.Typer(help="TikTok statements, settlements and payouts.", no_args_is_help=True)


@finance_app.command("sync")
def sync(
    shop: Annotated[
        str | None, typer.Option("--shop", help="only this shop id (default: every active shop)")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="read statements from this date or time (UTC) instead of where the last sync ended"
        ),
    ] = None,
) -> None:
    """Sync each shop's statements, their transactions and its orders' settlements, and wait for it."""
    settings = get_settings()
    store = runtime.store(settings)
    if shop is not None:
        require_connected(settings, shop)
    shops = [shop] if shop else [s.shop_id for s in store.shops(ShopStatus.ACTIVE)]
    start = int(parse_when(since).timestamp()) if since else None

    async def run() -> None:
        client = await connect(settings.temporal, runtime.keyring(settings))
        for shop_id in shops:
            await ensure_finance_schedule(client, shop_id, settings.finance)
            handle = await start_finance_sync(client, shop_id, settings.finance, start)
            typer.echo(f"finance sync {handle.id} ...")
            done = await handle.result()
            typer.echo(
                f"  {done.statements} statements, {done.transactions} transactions, {done.orders} orders; "
                f"next sync reads from {done.cursor}"
            )

    asyncio.run(run())
