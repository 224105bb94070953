"""Reports over the store's projections, as plain data the CLI prints (and tests check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

from pydantic import BaseModel

from creatorflow.aftersales import RETURN_DONE
from creatorflow.names import RETURN_LABEL_KEY_PART
from creatorflow.store import Store
from creatorflow.store.tables import LabelRow, LabelStatus, OrderRecord, ReturnRecord


class OrderCountLine(BaseModel):
    shop_id: str
    mode: str  # FulfillmentMode; "unknown" for orders recorded before the mode was kept
    state: str
    orders: int


class OrdersReport(BaseModel):
    """How many orders each shop has, by who fulfils them (FBT: TikTok; we buy no label and hold no
    stock for those) and by state."""

    lines: list[OrderCountLine]


def orders_report(rows: Iterable[OrderRecord]) -> OrdersReport:
    counts = Counter((row.shop_id, row.fulfillment_mode or "unknown", row.state) for row in rows)
    return OrdersReport(
        lines=[
            OrderCountLine(shop_id=shop, mode=mode, state=state, orders=orders)
            for (shop, mode, state), orders in sorted(counts.items())
        ]
    )


class ReasonLine(BaseModel):
    reason: str
    requests: int
    refunded: int
    refunded_amount: Decimal
    avg_days_to_refund: float | None


class ReturnsReport(BaseModel):
    """Why buyers return, what it costs, and how fast they get their money back."""

    requests: int
    refunded: int
    refunded_amount: Decimal
    return_label_cost: Decimal
    avg_days_to_refund: float | None
    by_operator: int  # decided by hand rather than by the after-sales policy
    reasons: list[ReasonLine]


def returns_report(rows: Sequence[ReturnRecord]) -> ReturnsReport:
    reasons = sorted({row.reason for row in rows}, key=lambda reason: (-_count(rows, reason), reason))
    return ReturnsReport(
        **_totals(rows),
        return_label_cost=sum((row.return_label_cost or Decimal(0) for row in rows), Decimal(0)),
        by_operator=sum(1 for row in rows if row.decided_by == "operator"),
        reasons=[
            ReasonLine(reason=reason, **_totals([row for row in rows if row.reason == reason]))
            for reason in reasons
        ],
    )


def _count(rows: Sequence[ReturnRecord], reason: str) -> int:
    return sum(1 for row in rows if row.reason == reason)


def _totals(rows: Sequence[ReturnRecord]) -> dict[str, object]:
    refunded = [row for row in rows if row.status in RETURN_DONE]
    days = [row.days_to_refund for row in refunded if row.days_to_refund is not None]
    return {
        "requests": len(rows),
        "refunded": len(refunded),
        "refunded_amount": sum((row.amount or Decimal(0) for row in refunded), Decimal(0)),
        "avg_days_to_refund": round(sum(days) / len(days), 2) if days else None,
    }


# --- shipping: labels, spend, savings against the seller's default service ---------------------------

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ADJUSTMENTS = (
    "carrier adjustments are not reported: our Shippo and EasyPost adapters read no adjustment data "
    "(docs/reference/shipping.md documents none), so spend is what each label cost when it was bought"
)

LabelKind = Literal["outbound", "return"]
Key = TypeVar("Key", bound=Hashable)


class LabelFigures(BaseModel):
    """What some labels cost and what their baselines (the seller's default service, quoted on the same
    request before any rule) would have. All amounts are in one currency."""

    bought: int
    bought_cost: Decimal
    refunded: int  # voided, money back
    refunded_cost: Decimal
    refund_pending: int  # void requested, money not back yet: the provider may still refuse it
    refund_pending_cost: Decimal
    net_spend: Decimal  # bought minus refunded
    average_cost: Decimal | None  # net spend per label not refunded
    with_baseline: int  # labels not refunded whose baseline is known: the savings figures cover these
    without_baseline: int  # labels not refunded bought before baselines were kept, or with no default service
    spend_with_baseline: Decimal
    baseline_cost: Decimal
    savings: Decimal  # baseline_cost - spend_with_baseline; negative when the rules chose dearer
    savings_percent: Decimal | None  # of baseline_cost


class ServiceLine(LabelFigures):
    provider: str
    carrier: str
    service: str


class LabelGroup(LabelFigures):
    """One shop's outbound or return labels in one currency; currencies are never added together."""

    shop_id: str
    currency: str
    kind: LabelKind
    by_service: list[ServiceLine]


class ShippingReport(BaseModel):
    """Labels, spend and savings against the baseline, per shop, currency and kind of label."""

    shop_id: str | None
    since: datetime | None
    groups: list[LabelGroup]
    adjustments: str


def shipping_report(
    store: Store, shop_id: str | None = None, since: datetime | None = None
) -> ShippingReport:
    """Labels bought at or after `since`. Refunded labels cost nothing, so they are left out of the net
    spend and the savings; labels with no baseline are in the spend only, and counted as such."""
    groups = _grouped(
        store.labels(shop_id, since=since), lambda label: (label.shop_id, label.currency, _kind(label))
    )
    return ShippingReport(
        shop_id=shop_id,
        since=since,
        groups=[
            LabelGroup(
                shop_id=shop,
                currency=currency,
                kind=kind,
                **_figures(labels),
                by_service=_by_service(labels),
            )
            for (shop, currency, kind), labels in sorted(groups.items())
        ],
        adjustments=ADJUSTMENTS,
    )


def _kind(label: LabelRow) -> LabelKind:
    return "return" if RETURN_LABEL_KEY_PART in label.idempotency_key else "outbound"


def _by_service(labels: Sequence[LabelRow]) -> list[ServiceLine]:
    """Most-bought first."""
    services = _grouped(labels, lambda label: (label.provider, label.carrier, label.service))
    lines = [
        ServiceLine(provider=provider, carrier=carrier, service=service, **_figures(rows))
        for (provider, carrier, service), rows in services.items()
    ]
    return sorted(lines, key=lambda line: (-line.bought, line.provider, line.carrier, line.service))


def _grouped(labels: Sequence[LabelRow], key: Callable[[LabelRow], Key]) -> dict[Key, list[LabelRow]]:
    groups: dict[Key, list[LabelRow]] = {}
    for label in labels:
        groups.setdefault(key(label), []).append(label)
    return groups


def _figures(labels: Sequence[LabelRow]) -> dict[str, object]:
    refunded = [label for label in labels if label.status == LabelStatus.REFUNDED]
    pending = [label for label in labels if label.status == LabelStatus.REFUND_REQUESTED]
    kept = [label for label in labels if label.status != LabelStatus.REFUNDED]
    compared = [label for label in kept if label.baseline_cost is not None]
    net_spend = _total(label.cost for label in kept)
    spend_with_baseline = _total(label.cost for label in compared)
    baseline_cost = _total(label.baseline_cost or Decimal(0) for label in compared)
    savings = baseline_cost - spend_with_baseline
    return {
        "bought": len(labels),
        "bought_cost": _total(label.cost for label in labels),
        "refunded": len(refunded),
        "refunded_cost": _total(label.cost for label in refunded),
        "refund_pending": len(pending),
        "refund_pending_cost": _total(label.cost for label in pending),
        "net_spend": net_spend,
        "average_cost": _rounded(net_spend / len(kept), CENT) if kept else None,
        "with_baseline": len(compared),
        "without_baseline": len(kept) - len(compared),
        "spend_with_baseline": spend_with_baseline,
        "baseline_cost": baseline_cost,
        "savings": savings,
        "savings_percent": _rounded(savings * 100 / baseline_cost, TENTH) if baseline_cost else None,
    }


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return _rounded(sum(amounts, Decimal(0)), CENT)


def _rounded(amount: Decimal, step: Decimal) -> Decimal:
    """Half a cent rounds up, as on an invoice (Decimal's own default rounds half to even)."""
    return amount.quantize(step, rounding=ROUND_HALF_UP)
