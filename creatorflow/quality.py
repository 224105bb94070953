"""Fulfillment quality over a period, from the store's projection (docs/alerts.md, "Quality metrics").

TikTok judges a shop on late dispatch (the carrier's first scan after the ship-by), valid tracking and
cancellations; these figures are ours, computed the same way from what the order workflows recorded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from creatorflow.store import Store
from creatorflow.store.tables import OrderRecord, ReconcileCheckRow


class Ratio(BaseModel):
    count: int
    of: int

    @property
    def rate(self) -> float | None:
        return round(self.count / self.of, 4) if self.of else None

    def __str__(self) -> str:
        return "-" if self.rate is None else f"{self.rate:.1%} ({self.count}/{self.of})"


class Durations(BaseModel):
    """Hours, by the nearest-rank percentile (no interpolation: each figure is one order's)."""

    orders: int
    p50_hours: float | None
    p95_hours: float | None

    def __str__(self) -> str:
        """`p50/p95 h`, a dash for a figure with no orders."""
        return "/".join("-" if h is None else f"{h:g}" for h in (self.p50_hours, self.p95_hours)) + " h"


class QualityReport(BaseModel):
    shop_id: str | None
    since: datetime
    until: datetime
    paid: int  # orders paid in the period: the base of the cancellation rate
    # Of orders whose ship-by fell in the period (and not cancelled unscanned): scanned after it, or not yet.
    late_dispatch: Ratio
    # Of orders whose tracking TikTok accepted in the period: the carrier has scanned it since.
    valid_tracking: Ratio
    cancelled: Ratio
    cancelled_by_cause: dict[str, int]
    paid_to_label: Durations
    paid_to_first_scan: Durations
    # Of the order changes reconcile passes found on TikTok in the period: ones we already knew.
    data_accuracy: Ratio


def shop_quality(store: Store, shop_id: str, since: datetime, until: datetime) -> QualityReport:
    """One shop's figures for orders the store has touched since `since`."""
    return quality_report(
        store.orders_touched(shop_id, since), store.reconcile_checks(shop_id, since), since, until, shop_id
    )


def quality_report(
    orders: Sequence[OrderRecord],
    checks: Sequence[ReconcileCheckRow],
    since: datetime,
    until: datetime,
    shop_id: str | None = None,
) -> QualityReport:
    def within(moment: datetime | None) -> bool:
        return moment is not None and since <= moment < until

    paid = [order for order in orders if within(order.paid_at)]
    due = [
        (order, order.ship_by)
        for order in orders
        if order.ship_by is not None
        and within(order.ship_by)
        and not (order.cancelled_at is not None and order.first_scan_at is None)
    ]
    shipped = [order for order in orders if within(order.shipped_at)]
    cancelled = [order for order in paid if order.cancelled_at is not None]
    return QualityReport(
        shop_id=shop_id,
        since=since,
        until=until,
        paid=len(paid),
        late_dispatch=Ratio(
            count=sum(1 for order, ship_by in due if _late(order, ship_by, until)), of=len(due)
        ),
        valid_tracking=Ratio(count=sum(1 for order in shipped if order.first_scan_at), of=len(shipped)),
        cancelled=Ratio(count=len(cancelled), of=len(paid)),
        cancelled_by_cause=dict(Counter(order.cancel_reason or "unknown" for order in cancelled)),
        paid_to_label=_durations([(o.paid_at, o.labelled_at) for o in paid]),
        paid_to_first_scan=_durations([(o.paid_at, o.first_scan_at) for o in paid]),
        data_accuracy=Ratio(count=sum(1 for check in checks if check.matched), of=len(checks)),
    )


def _late(order: OrderRecord, ship_by: datetime, until: datetime) -> bool:
    """Scanned after its ship-by, or its ship-by passed (by `until`) with no scan."""
    if order.first_scan_at is None:
        return ship_by < until
    return order.first_scan_at > ship_by


def _durations(spans: Sequence[tuple[datetime | None, datetime | None]]) -> Durations:
    hours = sorted((end - start) / timedelta(hours=1) for start, end in spans if start and end)
    return Durations(orders=len(hours), p50_hours=percentile(hours, 50), p95_hours=percentile(hours, 95))


def percentile(ordered: Sequence[float], percent: float) -> float | None:
    """Nearest rank: the smallest value with at least `percent` % of the values at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)
