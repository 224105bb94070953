"""`creatorflow shops hold SHOP [DURATION]`: a shop's own hold after payment, read and set."""

from __future__ import annotations

import re
from datetime import timedelta

import typer
from pydantic import ValidationError

from creatorflow.config import get_settings
from creatorflow.shops import MAX_PAYMENT_HOLD, PaymentHold
from starter import runtime

shops_app = typer.Typer(help="Per-shop order settings.", no_args_is_help=True)

_DURATION = re.compile(r"(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?")


@shops_app.command("hold")
def hold(
    shop: str = typer.Argument(help="shop id"),
    duration: str | None = typer.Argument(
        None, help=f"e.g. 2h, 90m, 1h30m, 0 (none); at most {MAX_PAYMENT_HOLD}; omitted: show the current one"
    ),
) -> None:
    """How long a paid order waits before its stock is reserved and its label bought, so a buyer who
    cancels early costs nothing. Applies to orders first seen paid from now on."""
    store = runtime.store(get_settings())
    if duration is None:
        typer.echo(f"shop {shop}: hold after payment {_describe(store.payment_hold(shop))}")
        return
    try:
        wanted = PaymentHold(hold=_parse(duration))
    except ValueError as bad:  # a ValidationError is one too
        reason = bad.errors()[0]["msg"] if isinstance(bad, ValidationError) else str(bad)
        typer.echo(f"hold {duration!r} refused: {reason}; nothing changed")
        raise typer.Exit(1) from bad
    store.set_payment_hold(shop, wanted)
    typer.echo(f"shop {shop}: hold after payment {_describe(wanted)}")


def _parse(text: str) -> timedelta:
    text = text.strip()
    if text == "0":
        return timedelta(0)
    found = _DURATION.fullmatch(text)
    if not text or found is None:
        raise ValueError("write hours and minutes as 2h, 90m or 1h30m")
    return timedelta(hours=int(found["hours"] or 0), minutes=int(found["minutes"] or 0))


def _describe(hold: PaymentHold) -> str:
    return str(hold.hold) if hold.hold else "none"
