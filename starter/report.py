"""`creatorflow report ...`: read-only reports from the app database."""

from __future__ import annotations

import typer

from creatorflow.config import get_settings
from creatorflow.reports import returns_report
from starter import runtime

report_app = typer.Typer(help="Reports from the app database.", no_args_is_help=True)


@report_app.command("returns")
def returns(
    shop: str | None = typer.Option(None, help="only this shop id"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
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
