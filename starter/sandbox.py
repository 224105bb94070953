"""`creatorflow sandbox <service>`: run one local emulator standalone, in the foreground."""

from __future__ import annotations

import typer

sandbox_app = typer.Typer(
    help="Run a local emulator of TikTok Shop, Shippo or EasyPost on a port.", no_args_is_help=True
)
