"""`creatorflow labels pdf LABEL FILE`: the file of a label we kept (TikTok's labels: their links expire)."""

from __future__ import annotations

from pathlib import Path

import typer

from creatorflow.config import get_settings
from starter import runtime

labels_app = typer.Typer(help="Labels bought for orders.", no_args_is_help=True)


@labels_app.command("pdf")
def pdf(
    label_id: str = typer.Argument(help="the label's id (a TikTok label's: its package id)"),
    out: Path = typer.Argument(help="file to write"),
) -> None:
    """Write the label's file as we downloaded it when it was bought."""
    document = runtime.store(get_settings()).label_document(label_id)
    if document is None:
        typer.echo(f"no file kept for label {label_id}: only TikTok's labels are kept here", err=True)
        raise typer.Exit(1)
    out.write_bytes(document.content)
    typer.echo(f"{out}: {len(document.content)} bytes, {document.content_type}")
