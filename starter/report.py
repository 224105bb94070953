"""`creatorflow report ...`: read-only reports from the app database."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from creatorflow.config import get_settings
from creatorflow.reports import (
    LabelFigures,
    LabelGroup,
    ShippingReport,
    orders_report,
    returns_report,
    shipping_report,
)
from starter import runtime
from starter.backfill import parse_when

report_app = typer.Typer(help="Reports from the app database.", no_args_is_help=True)

OnlyShop = Annotated[str | None, typer.Option("--shop", help="only this shop id")]
AsJson = Annotated[bool, typer.Option("--json", help="print the report as JSON")]


@report_app.command("orders")
def orders(shop: OnlyShop = None, as_json: AsJson = False) -> None:
    """Orders per shop by who fulfils them (SELLER_SHIPPED, TIKTOK_SHIPPED, FBT) and state."""
    report = orders_report(runtime.store(get_settings()).orders(shop))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(f"{'shop':<20} {'fulfilled as':<16} {'state':<18} {'orders':>7}")
    for line in report.lines:
        typer.echo(f"{line.shop_id:<20} {line.mode:<16} {line.state:<18} {line.orders:>7}")


@report_app.command("returns")
def returns(shop: OnlyShop = None, as_json: AsJson = False) -> None:
    """Return and refund requests: reasons, amounts refunded, days to refund, operator decisions."""
    report = returns_report(runtime.store(get_settings()).returns(shop))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    days = "-" if report.avg_days_to_refund is None else f"{report.avg_days_to_refund:.2f}"
    typer.echo(
        f"{report.requests} requests, {report.refunded} refunded ({report.refunded_amount}), "
        f"avg {days} days to refund, {report.by_operator} decided by an operator, "
        f"return labels {report.return_label_cost}"
    )
    typer.echo(f"{'reason':<32} {'requests':>8} {'refunded':>8} {'amount':>10} {'days':>6}")
    for line in report.reasons:
        line_days = "-" if line.avg_days_to_refund is None else f"{line.avg_days_to_refund:.2f}"
        typer.echo(
            f"{line.reason[:32]:<32} {line.requests:>8} {line.refunded:>8} "
            f"{line.refunded_amount:>10} {line_days:>6}"
        )


@report_app.command("shipping")
def shipping(
    shop: OnlyShop = None,
    since: Annotated[
        str | None, typer.Option(help="labels bought from this date or time (UTC), as backfill's --since")
    ] = None,
    as_json: AsJson = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="one row per shop, currency, kind of label and service")
    ] = False,
) -> None:
    """Labels bought and refunded, net spend, savings against the seller's default service, by service."""
    if as_json and as_csv:
        raise typer.BadParameter("--json or --csv, not both")
    report = shipping_report(runtime.store(get_settings()), shop, parse_when(since) if since else None)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    elif as_csv:
        _write_csv(report)
    else:
        _print_tables(report, Console())


CSV_KEYS = ["shop_id", "currency", "kind", "provider", "carrier", "service"]


def _write_csv(report: ShippingReport) -> None:
    """One row per service a shop bought labels with, per currency and kind; a spreadsheet sums them."""
    writer = csv.DictWriter(
        sys.stdout, fieldnames=[*CSV_KEYS, *LabelFigures.model_fields], lineterminator="\n"
    )
    writer.writeheader()
    for group in report.groups:
        for line in group.by_service:
            writer.writerow(
                {
                    "shop_id": group.shop_id,
                    "currency": group.currency,
                    "kind": group.kind,
                    **line.model_dump(),
                }
            )


def _print_tables(report: ShippingReport, console: Console) -> None:
    if not report.groups:
        console.print("no labels")
    for group in report.groups:
        console.print(_table(group))
        for note in _notes(group):
            console.print(note)
    console.print(report.adjustments)


def _table(group: LabelGroup) -> Table:
    """One row per service; refunded labels are in "labels" but not in the spend or the average."""
    table = Table(
        title=f"{group.shop_id} · {group.kind} labels · {group.currency}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("service (provider)")
    for column in ("labels", "net spend", "average", "compared", "saved", "%"):
        table.add_column(column, justify="right")
    for line in group.by_service:
        table.add_row(f"{line.carrier} {line.service} ({line.provider})", *_cells(line))
    table.add_section()
    table.add_row("all", *_cells(group), style="bold")
    return table


def _cells(figures: LabelFigures) -> list[str]:
    """ "compared" counts the labels whose baseline is known: "saved" and "%" are over those alone."""
    return [
        str(figures.bought),
        str(figures.net_spend),
        _or_dash(figures.average_cost),
        str(figures.with_baseline),
        str(figures.savings),
        _or_dash(figures.savings_percent),
    ]


def _notes(group: LabelGroup) -> list[str]:
    notes = []
    if group.with_baseline:
        notes.append(
            f"compared: {group.with_baseline}, cost {group.spend_with_baseline}; the seller's default "
            f"service would have cost {group.baseline_cost}"
        )
    if group.refunded:
        notes.append(f"refunded: {group.refunded} ({group.refunded_cost} back), not in the net spend")
    if group.refund_pending:
        notes.append(
            f"refunds requested, not confirmed yet: {group.refund_pending} ({group.refund_pending_cost}), "
            "still in the net spend"
        )
    if group.without_baseline:
        notes.append(
            f"no baseline: {group.without_baseline} (bought before baselines were kept, or no default "
            "service), in the spend, not in the savings"
        )
    return notes


def _or_dash(value: object | None) -> str:
    return "-" if value is None else str(value)
