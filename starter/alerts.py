"""`creatorflow alerts …`: a shop's alert settings (who gets what, on which channel, the digest's time).

Alerts are off for every shop until `set --enable` with a recipient or a webhook (docs/alerts.md).
"""

from __future__ import annotations

from datetime import time

import typer

from creatorflow.alerts.models import AlertKind, AlertSettings
from creatorflow.config import get_settings
from creatorflow.store import Store
from starter import runtime
from starter.rules import checked

alerts_app = typer.Typer(help="Per-shop alerts and the daily digest: channels, recipients, kinds.")


def _store(shop: str) -> Store:
    store = runtime.store(get_settings())
    checked(lambda: store.shop(shop))  # an unknown shop is refused, not given settings
    return store


@alerts_app.command("show")
def show(shop: str = typer.Argument(help="shop id")) -> None:
    """The shop's alert settings, as JSON."""
    typer.echo(_store(shop).alert_settings(shop).model_dump_json(indent=2))


@alerts_app.command("set")
def set_settings(
    shop: str = typer.Argument(help="shop id"),
    enable: bool | None = typer.Option(None, "--enable/--disable", help="send this shop's alerts, or not"),
    email: list[str] | None = typer.Option(None, help="recipient (repeat); replaces the list"),
    webhook_url: str | None = typer.Option(None, help="Slack-compatible webhook URL; '' removes it"),
    kind: list[AlertKind] | None = typer.Option(None, help="alert kinds to send (repeat); replaces them"),
    low_stock_at: int | None = typer.Option(None, min=0, help="alert at or under this many available units"),
    digest_at: str | None = typer.Option(None, help="local time of the daily digest, HH:MM"),
    timezone: str | None = typer.Option(None, help="the seller's IANA time zone, e.g. America/Chicago"),
) -> None:
    """Change what is given; the rest stays as it was."""
    store = _store(shop)
    current = store.alert_settings(shop)
    changes: dict[str, object] = {
        name: value
        for name, value in {
            "enabled": enable,
            "email_to": email,
            "kinds": kind,
            "low_stock_at": low_stock_at,
            "digest_at": checked(lambda: time.fromisoformat(digest_at)) if digest_at else None,
            "timezone": timezone,
        }.items()
        if value is not None
    }
    if webhook_url is not None:
        changes["webhook_url"] = webhook_url or None
    settings = checked(lambda: AlertSettings.model_validate({**current.model_dump(), **changes}))
    store.set_alert_settings(shop, settings)
    typer.echo(settings.model_dump_json(indent=2))
    if settings.enabled and not settings.channels(log_all=False):
        typer.echo("enabled, but no recipient or webhook: nothing will be sent", err=True)
