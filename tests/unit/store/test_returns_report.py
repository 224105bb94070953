"""Return analytics: one row per request, updated as it moves, summed up by `creatorflow report returns`."""

from __future__ import annotations

from decimal import Decimal

from creatorflow.reports import returns_report
from creatorflow.store import Store
from creatorflow.store.tables import ReturnRecord

DAY = 86400


def row(return_id: str, reason: str, amount: str, status: str, **fields: object) -> ReturnRecord:
    return ReturnRecord.model_validate(
        {
            "return_id": return_id,
            "shop_id": "shop-1",
            "order_id": f"order-{return_id}",
            "return_type": "REFUND",
            "status": status,
            "reason": reason,
            "amount": Decimal(amount),
            "currency": "USD",
            "requested_at": 1_000_000,
            **fields,
        }
    )


def test_a_request_keeps_one_row_that_follows_its_status(store: Store) -> None:
    store.upsert_return(row("r1", "Arrived late", "24.00", "RETURN_OR_REFUND_REQUEST_PENDING"))
    store.upsert_return(
        row("r1", "", "24.00", "RETURN_OR_REFUND_REQUEST_COMPLETE", refunded_at=1_000_000 + 2 * DAY)
    )
    [stored] = store.returns("shop-1")
    assert (stored.status, stored.reason, stored.days_to_refund) == (
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
        "Arrived late",  # an update without a reason keeps the first one
        2.0,
    )
    assert store.returns("another-shop") == []


def test_the_report_groups_by_reason_and_counts_only_completed_refunds(store: Store) -> None:
    done = "RETURN_OR_REFUND_REQUEST_COMPLETE"
    store.upsert_return(row("r1", "Damaged", "10.00", done, refunded_at=1_000_000 + DAY, decided_by="policy"))
    store.upsert_return(
        row("r2", "Damaged", "30.00", done, refunded_at=1_000_000 + 3 * DAY, decided_by="operator")
    )
    store.upsert_return(
        row("r3", "Wrong shade", "20.00", "AWAITING_BUYER_SHIP", return_label_cost=Decimal("6.10"))
    )
    store.upsert_return(row("r4", "Wrong shade", "20.00", "REFUND_OR_RETURN_REQUEST_REJECT"))
    store.upsert_return(row("r5", "Changed mind", "5.00", "RETURN_OR_REFUND_REQUEST_PENDING"))

    report = returns_report(store.returns())

    assert (report.requests, report.refunded, report.refunded_amount) == (5, 2, Decimal("40.00"))
    assert (report.avg_days_to_refund, report.by_operator, report.return_label_cost) == (
        2.0,
        1,
        Decimal("6.10"),
    )
    assert [(line.reason, line.requests, line.refunded) for line in report.reasons] == [
        ("Damaged", 2, 2),
        ("Wrong shade", 2, 0),
        ("Changed mind", 1, 0),
    ]
