"""Reports over the store's projections, as plain data the CLI prints (and tests check)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel

from creatorflow.aftersales import RETURN_DONE
from creatorflow.store.tables import ReturnRecord


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
