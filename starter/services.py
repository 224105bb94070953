"""`creatorflow worker` and `creatorflow api`: the two long-running production processes."""

from __future__ import annotations

import asyncio

import typer

from creatorflow.config import get_settings
from creatorflow.sandbox.server import serving
from creatorflow.tiktok.client import TikTokShopClient
from starter import runtime
from workers.client import connect
from workers.worker import build_workers, running_workers


def worker() -> None:
    """Run the workers: order workflows + shipping/store activities, and the TikTok API queue."""
    asyncio.run(_worker())


async def _worker() -> None:
    settings = get_settings()
    client = await connect(settings.temporal, runtime.keyring(settings))
    store = runtime.store(settings)
    tiktok = TikTokShopClient(settings.tiktok)
    async with tiktok, running_workers(build_workers(client, settings, store, tiktok)):
        typer.echo(f"worker connected to {settings.temporal.address}; Ctrl-C stops it")
        await asyncio.Event().wait()


def api(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8080, help="port to listen on"),
) -> None:
    """Serve webhooks (TikTok, EasyPost, Shippo) and health checks."""
    asyncio.run(_api(host, port))


async def _api(host: str, port: int) -> None:
    settings = get_settings()
    client = await connect(settings.temporal, runtime.keyring(settings))
    app = runtime.api_app(settings, client, runtime.store(settings))
    async with serving(app, host, port) as url:
        typer.echo(f"API on {url}; Ctrl-C stops it")
        await asyncio.Event().wait()
