"""`creatorflow worker` and `creatorflow api`: the two long-running production processes."""

from __future__ import annotations

import asyncio

import typer
from temporalio.client import Client

from creatorflow import logs
from creatorflow.config import Settings, get_settings
from creatorflow.names import ids_of_workflow
from creatorflow.tiktok.client import TikTokShopClient
from starter import runtime
from starter.serving import serving
from workers.client import connect, sdk_runtime
from workers.schedules import ensure_alerts_schedule
from workers.worker import build_workers, running_workers


def worker() -> None:
    """Run the workers: order workflows + shipping/store activities, and the TikTok API queue."""
    asyncio.run(_worker())


def _process_settings() -> Settings:
    """Settings for a long-running process, with its logging set up as configured."""
    settings = get_settings()
    logs.configure(settings.log_format, ids_of_workflow, settings.log_level)
    return settings


async def _connect(settings: Settings, *, lazy: bool = False) -> Client:
    metrics = sdk_runtime(settings.metrics_address)
    return await connect(settings.temporal, runtime.keyring(settings), metrics, lazy=lazy)


async def _worker() -> None:
    settings = _process_settings()
    client = await _connect(settings)
    store = runtime.store(settings)
    tiktok = TikTokShopClient(settings.tiktok)
    await ensure_alerts_schedule(client, settings.alerts.every)
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
    settings = _process_settings()
    # Lazy: with Temporal down, the API still starts, records webhooks and forwards them once it is back.
    client = await _connect(settings, lazy=True)
    app = runtime.api_app(settings, client, runtime.store(settings))
    async with serving(app, host, port) as url:
        typer.echo(f"API on {url}; Ctrl-C stops it")
        await asyncio.Event().wait()
