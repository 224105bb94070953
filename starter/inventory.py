"""`creatorflow inventory show|set`: operators read and correct stock; the catalog workflow pushes it."""

from __future__ import annotations

import asyncio

import typer

from creatorflow.config import Settings, get_settings
from creatorflow.inventory import CatalogChange, StockLevel, listed_quantity
from starter import runtime
from workers.catalog import signal_catalog
from workers.client import connect

inventory_app = typer.Typer(
    help="Stock per SKU and warehouse: on hand, held by paid orders, offered on TikTok.", no_args_is_help=True
)


@inventory_app.command("show")
def show(
    shop: str | None = typer.Option(None, help="only this shop id"),
    low: bool = typer.Option(False, "--low", help="only SKUs at or under the low-stock threshold"),
) -> None:
    """One line per SKU and warehouse: on hand, reserved, available, what TikTok should offer and was last
    told; OFF-SALE when its product is deactivated on TikTok for want of stock, until it is restocked;
    UNLISTED when TikTok no longer lists the SKU in that warehouse (its stock is kept, not offered)."""
    settings = get_settings()
    policy = settings.inventory
    levels = runtime.store(settings).stock_levels(shop)
    if low:
        levels = [level for level in levels if level.available <= policy.low_stock_threshold]
    typer.echo(
        f"{'shop':<20} {'seller sku':<16} {'sku id':<20} {'warehouse':<20} {'on hand':>8} {'reserved':>8} "
        f"{'avail':>6} {'listed':>6} {'tiktok':>6}"
    )
    for level in levels:
        flag = "  LOW" if level.available <= policy.low_stock_threshold else ""
        flag += "  OFF-SALE" if level.stock_deactivated else ""  # we deactivated it on TikTok: no stock
        flag += "" if level.assigned else "  UNLISTED"
        tiktok = "-" if level.tiktok_quantity is None else str(level.tiktok_quantity)
        typer.echo(
            f"{level.shop_id:<20} {level.seller_sku[:16]:<16} {level.sku_id:<20} {level.warehouse_id:<20} "
            f"{level.on_hand:>8} "
            f"{level.reserved:>8} {level.available:>6} {listed_quantity(level, policy):>6} {tiktok:>6}{flag}"
        )


@inventory_app.command("set")
def set_stock(
    shop: str = typer.Argument(help="shop id"),
    sku: str = typer.Argument(help="SKU id or seller SKU"),
    on_hand: int = typer.Argument(min=0, help="units on the shelf now (reserved ones included)"),
    warehouse: str | None = typer.Option(
        None, help="TikTok warehouse id of that shelf; needed when the SKU is stocked in several"
    ),
) -> None:
    """Record one warehouse's stock count; TikTok is told the new quantity at once (or at the next push)."""
    settings = get_settings()
    store = runtime.store(settings)
    matches = [
        level
        for level in store.stock_levels(shop)
        if sku in (level.sku_id, level.seller_sku) and warehouse in (None, level.warehouse_id)
    ]
    if len(matches) != 1:
        found = "no" if not matches else f"{len(matches)}"
        where = (
            f" in warehouse {warehouse}" if warehouse else " (name one with --warehouse)" if matches else ""
        )
        typer.echo(
            f"{found} stock rows match {sku!r}{where} in shop {shop}; "
            f"run `creatorflow inventory show --shop {shop}`"
        )
        raise typer.Exit(1)
    level = store.set_on_hand(shop, matches[0].sku_id, matches[0].warehouse_id, on_hand)
    typer.echo(_describe(level, settings))
    try:
        asyncio.run(_push_now(settings, shop))
    except Exception as exc:  # the count is saved; the catalog workflow's next push sends it
        typer.echo(
            f"saved; could not reach Temporal to push now ({exc.__class__.__name__}): the next push sends it"
        )


def _describe(level: StockLevel, settings: Settings) -> str:
    listed = listed_quantity(level, settings.inventory)
    name = level.seller_sku or level.sku_id
    stock = f"on hand {level.on_hand}, available {level.available}, TikTok {listed}"
    return f"{name} in warehouse {level.warehouse_id}: {stock}"


async def _push_now(settings: Settings, shop_id: str) -> None:
    client = await connect(settings.temporal, runtime.keyring(settings))
    await signal_catalog(client, shop_id, settings.inventory, CatalogChange(source="operator", resync=False))
