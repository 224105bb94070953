"""The daily digest: one alert per shop and local day, due at the seller's local time, covering the
24 hours before it. Its content is fixed when it is queued, so a retried send sends the same text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from creatorflow.alerts.models import Alert, AlertKind, AlertSettings
from creatorflow.finance import FinancePolicy
from creatorflow.finance_report import finance_report
from creatorflow.quality import QualityReport, shop_quality
from creatorflow.reports import shipping_report
from creatorflow.store import Store

# The seeds' goal: at least 80 % of returns decided by the after-sales policy, not by an operator.
AUTOMATIC_RETURNS_TARGET = 0.8


class DigestWindow(BaseModel):
    local_date: str
    since: datetime
    until: datetime


def digest_due(now: datetime, settings: AlertSettings) -> DigestWindow | None:
    """Today's digest once the seller's local time has passed `digest_at`; None before."""
    local = settings.local_now(now)
    due = local.replace(
        hour=settings.digest_at.hour, minute=settings.digest_at.minute, second=0, microsecond=0
    )
    if local < due:
        return None
    until = due.astimezone(UTC)
    return DigestWindow(local_date=f"{local:%Y-%m-%d}", since=until - timedelta(days=1), until=until)


def build_digest(store: Store, shop_id: str, window: DigestWindow, finance: FinancePolicy) -> Alert:
    orders = store.orders_touched(shop_id, window.since)
    quality = shop_quality(store, shop_id, window.since, window.until)

    def count(column: str) -> int:
        return sum(1 for order in orders if _within(getattr(order, column), window))

    lines = [
        f"orders: {quality.paid} paid, {count('shipped_at')} shipped, {count('delivered_at')} delivered, "
        f"{quality.late_dispatch.count} late",
        *_labels(store, shop_id, window),
        _returns(store, shop_id, window),
        *quality_lines(quality),
        *_margin(store, shop_id, window, finance),
    ]
    return Alert(
        alert_id=f"digest:{shop_id}:{window.local_date}",
        shop_id=shop_id,
        kind=AlertKind.DIGEST,
        subject=f"daily digest {window.local_date} for shop {shop_id}",
        lines=lines,
    )


def _within(moment: datetime | None, window: DigestWindow) -> bool:
    return moment is not None and window.since <= moment < window.until


def _labels(store: Store, shop_id: str, window: DigestWindow) -> list[str]:
    """Labels bought since the window opened, per currency (refunded ones cost nothing)."""
    groups = [g for g in shipping_report(store, shop_id, window.since).groups if g.kind == "outbound"]
    if not groups:
        return ["labels: none bought"]
    return [f"labels: {g.bought} bought, net spend {g.net_spend} {g.currency}" for g in groups]


def _margin(store: Store, shop_id: str, window: DigestWindow, finance: FinancePolicy) -> list[str]:
    """The margin of the orders TikTok settled in the day's statements, per currency (finance sync)."""
    report = finance_report(store, finance, shop_id, since=window.since, now=window.until)
    lines = [
        f"margin: {line.margin} {line.currency} on {line.settled} orders settled "
        f"(revenue {line.revenue}, TikTok fees {line.tiktok_fees}, shipping {line.shipping}); "
        f"payouts {line.payouts}"
        for line in report.shops
        if line.settled or line.statements
    ]
    return lines or [
        "margin: no settlement in the day (`creatorflow finance sync` reads TikTok's statements)"
    ]


def _returns(store: Store, shop_id: str, window: DigestWindow) -> str:
    decided = [
        row
        for row in store.returns(shop_id)
        if row.decided_by in ("policy", "operator") and _within(row.updated_at, window)
    ]
    automatic = sum(1 for row in decided if row.decided_by == "policy")
    share = f"{automatic / len(decided):.0%}" if decided else "-"
    return (
        f"returns: {automatic} handled automatically, {len(decided) - automatic} by an operator "
        f"({share} automatic; target {AUTOMATIC_RETURNS_TARGET:.0%})"
    )


def quality_lines(quality: QualityReport) -> list[str]:
    return [
        f"quality: late dispatch {quality.late_dispatch}, valid tracking {quality.valid_tracking}, "
        f"cancelled {quality.cancelled}, data accuracy {quality.data_accuracy}",
        f"paid to label p50/p95 {quality.paid_to_label}; paid to first scan p50/p95 "
        f"{quality.paid_to_first_scan}",
    ]
