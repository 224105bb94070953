"""`creatorflow report ...`: read-only reports from the app database."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from creatorflow.config import get_settings
from creatorflow.finance import OrderFinance
from creatorflow.finance_report import FinanceReport, ShopFinance, finance_report
from creatorflow.quality import Durations, QualityReport, Ratio, shop_quality
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
QUALITY_DEFAULT_PERIOD = timedelta(days=30)
Since = Annotated[str | None, typer.Option(help="from this date or time (UTC), as backfill's --since")]


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
    since: Since = None,
    as_json: AsJson = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="one row per shop, currency, kind of label and service")
    ] = False,
) -> None:
    """Labels bought and refunded, net spend, savings against the seller's default service, by service."""
    _check_format(as_json, as_csv)
    report = shipping_report(runtime.store(get_settings()), shop, parse_when(since) if since else None)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    elif as_csv:
        _write_csv(report)
    else:
        _print_tables(report, Console())


def _check_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise typer.BadParameter("--json or --csv, not both")


def _csv(fieldnames: Iterable[str], rows: Iterable[dict[str, object]]) -> None:
    """Rows to stdout as CSV, a header first: what every report's `--csv` writes."""
    writer = csv.DictWriter(sys.stdout, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


CSV_KEYS = ["shop_id", "currency", "kind", "provider", "carrier", "service"]


def _write_csv(report: ShippingReport) -> None:
    """One row per service a shop bought labels with, per currency and kind; a spreadsheet sums them."""
    _csv(
        [*CSV_KEYS, *LabelFigures.model_fields],
        (
            {"shop_id": group.shop_id, "currency": group.currency, "kind": group.kind, **line.model_dump()}
            for group in report.groups
            for line in group.by_service
        ),
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


@report_app.command("quality")
def quality(
    shop: OnlyShop = None,
    since: Annotated[
        str | None, typer.Option(help="from this date or time (UTC), as backfill's --since; default 30 days")
    ] = None,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="one row per shop")] = False,
) -> None:
    """Late dispatch, valid tracking, cancellations by cause, paid to label and to first scan (p50/p95),
    data accuracy at reconcile; per shop (docs/alerts.md, "Quality metrics")."""
    if as_json and as_csv:
        raise typer.BadParameter("--json or --csv, not both")
    until = datetime.now(UTC)
    start = parse_when(since) if since else until - QUALITY_DEFAULT_PERIOD
    store = runtime.store(get_settings())
    shops = [shop] if shop else [row.shop_id for row in store.shops()]
    reports = [shop_quality(store, shop_id, start, until) for shop_id in shops]
    if as_json:
        typer.echo(f"[{','.join(report.model_dump_json() for report in reports)}]")
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=["shop_id", *QUALITY_COLUMNS], lineterminator="\n")
        writer.writeheader()
        for report in reports:
            writer.writerow({"shop_id": report.shop_id, **_quality_cells(report)})
    else:
        _print_quality(reports, Console())


QUALITY_COLUMNS = [
    "paid",
    "late_dispatch",
    "valid_tracking",
    "cancelled",
    "paid_to_label_p50_h",
    "paid_to_label_p95_h",
    "paid_to_first_scan_p50_h",
    "paid_to_first_scan_p95_h",
    "data_accuracy",
]


def _quality_cells(report: QualityReport) -> dict[str, str]:
    """Rates as fractions (a spreadsheet formats them), hours as numbers; empty where there is no base."""

    def rate(value: Ratio) -> str:
        return "" if value.rate is None else str(value.rate)

    def hours(value: Durations, which: str) -> str:
        figure = value.p50_hours if which == "p50" else value.p95_hours
        return "" if figure is None else str(figure)

    return {
        "paid": str(report.paid),
        "late_dispatch": rate(report.late_dispatch),
        "valid_tracking": rate(report.valid_tracking),
        "cancelled": rate(report.cancelled),
        "paid_to_label_p50_h": hours(report.paid_to_label, "p50"),
        "paid_to_label_p95_h": hours(report.paid_to_label, "p95"),
        "paid_to_first_scan_p50_h": hours(report.paid_to_first_scan, "p50"),
        "paid_to_first_scan_p95_h": hours(report.paid_to_first_scan, "p95"),
        "data_accuracy": rate(report.data_accuracy),
    }


def _print_quality(reports: list[QualityReport], console: Console) -> None:
    """One table per shop, a metric per row, so it reads in 80 columns."""
    if not reports:
        console.print("no shops")
    for report in reports:
        period = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"
        table = Table(title=f"{report.shop_id} · {period}", title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("quality")
        table.add_column("value", justify="right")
        table.add_column("orders", justify="right")
        for name, ratio, base in (
            ("late dispatch", report.late_dispatch, "due"),
            ("valid tracking", report.valid_tracking, "shipped"),
            ("cancelled", report.cancelled, "paid"),
            ("data accuracy (changes)", report.data_accuracy, "checked"),
        ):
            table.add_row(name, _percent(ratio), f"{ratio.count} of {ratio.of} {base}")
        for name, durations in (
            ("paid to label p50/p95", report.paid_to_label),
            ("paid to first scan p50/p95", report.paid_to_first_scan),
        ):
            table.add_row(name, str(durations), str(durations.orders))
        console.print(table)
        if report.cancelled_by_cause:
            causes = ", ".join(f"{cause} {n}" for cause, n in sorted(report.cancelled_by_cause.items()))
            console.print(f"cancelled by cause: {causes}")


def _percent(ratio: Ratio) -> str:
    return "-" if ratio.rate is None else f"{ratio.rate:.1%}"


# --- finance ---------------------------------------------------------------------------------------

FINANCE_COLUMNS = {
    "revenue": "revenue",
    "tiktok_fees": "TikTok fees",
    "shipping": "shipping",
    "refunds": "refunds",
    "return_labels": "return labels",
    "adjustments": "adjustments",
    "difference": "difference",
    "margin": "margin",
}


@report_app.command("finance")
def finance(
    shop: OnlyShop = None,
    since: Since = None,
    orders: Annotated[bool, typer.Option("--orders", help="one line per order instead of per shop")] = False,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="one row per shop and currency (or order)")] = False,
) -> None:
    """Revenue, TikTok fees, shipping, refunds and margin from the synced statements
    (`creatorflow finance sync`), and the orders whose settlement is missing or differs."""
    _check_format(as_json, as_csv)
    settings = get_settings()
    report = finance_report(
        runtime.store(settings), settings.finance, shop, parse_when(since) if since else None
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2, exclude=None if orders else {"orders"}))
    elif as_csv and orders:
        _csv(
            OrderFinance.model_fields, ({**o.model_dump(), "flags": ";".join(o.flags)} for o in report.orders)
        )
    elif as_csv:
        _csv(ShopFinance.model_fields, (line.model_dump() for line in report.shops))
    else:
        _print_finance(report, orders, Console())


def _print_finance(report: FinanceReport, orders: bool, console: Console) -> None:
    if not report.shops:
        console.print("no statements or shipped orders (run `creatorflow finance sync`)")
        return
    table = Table(title="finance · settled orders", title_justify="left", box=box.SIMPLE_HEAD)
    first = ("order", "settled", "flags") if orders else ("shop", "orders", "flagged")
    for column in first:
        table.add_column(column)
    for column in FINANCE_COLUMNS.values():
        table.add_column(column, justify="right")
    if not orders:
        table.add_column("payouts", justify="right")
    for line in report.shops:
        if orders:
            for order in (
                o for o in report.orders if (o.shop_id, o.currency) == (line.shop_id, line.currency)
            ):
                table.add_row(*_order_cells(order))
            table.add_section()
        table.add_row(
            f"{line.shop_id} {line.currency}",
            f"{line.settled} (+{line.unsettled} unsettled)",
            str(line.flagged),
            *(_money(getattr(line, name)) for name in FINANCE_COLUMNS),
            *([] if orders else [_money(line.payouts)]),
            style="bold" if orders else None,
        )
    console.print(table)
    console.print(
        "margin = revenue - TikTok fees - shipping - refunds - return labels + adjustments + difference; "
        "difference = TikTok's settlement - what the order and its labels imply"
    )


def _order_cells(order: OrderFinance) -> list[str]:
    """An unsettled order's TikTok figures are not known yet: a dash, not a zero."""
    settled = order.statement_time is not None
    known = ("shipping", "refunds", "return_labels")
    return [
        order.order_id,
        f"{datetime.fromtimestamp(order.statement_time, UTC):%Y-%m-%d}" if order.statement_time else "-",
        ", ".join(order.flags),
        *(_money(getattr(order, name)) if settled or name in known else "-" for name in FINANCE_COLUMNS),
    ]


def _money(amount: Decimal | None) -> str:
    return "-" if amount is None else f"{amount:.2f}"
