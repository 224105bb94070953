"""The quality metrics' arithmetic, on projections as the store keeps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from creatorflow.quality import percentile, quality_report
from creatorflow.store.tables import OrderRecord, ReconcileCheckRow

T0 = datetime(2026, 12, 1, tzinfo=UTC)
SINCE, UNTIL = T0, T0 + timedelta(days=7)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def order(order_id: str, **fields: object) -> OrderRecord:
    return OrderRecord.model_validate(
        {"shop_id": "s1", "order_id": order_id, "state": "IN_TRANSIT", **fields}
    )


def test_late_dispatch_counts_scans_after_the_ship_by_and_ship_bys_passed_unscanned() -> None:
    orders = [
        order("on-time", ship_by=hours(48), first_scan_at=hours(40)),
        order("late", ship_by=hours(48), first_scan_at=hours(50)),
        order("never-scanned", ship_by=hours(48)),
        order("not-due-yet", ship_by=UNTIL + timedelta(hours=1)),
        order("cancelled-unscanned", ship_by=hours(48), cancelled_at=hours(10), state="CANCELLED"),
    ]
    report = quality_report(orders, [], SINCE, UNTIL)
    assert (report.late_dispatch.count, report.late_dispatch.of) == (2, 3)
    assert report.late_dispatch.rate == 0.6667


def test_valid_tracking_is_shipped_orders_the_carrier_scanned() -> None:
    orders = [
        order("scanned", shipped_at=hours(1), first_scan_at=hours(5)),
        order("not-scanned", shipped_at=hours(2)),
        order("shipped-before", shipped_at=SINCE - timedelta(hours=1), first_scan_at=hours(1)),
    ]
    report = quality_report(orders, [], SINCE, UNTIL)
    assert (report.valid_tracking.count, report.valid_tracking.of) == (1, 2)


def test_cancellations_are_over_paid_orders_by_cause() -> None:
    orders = [
        order("a", paid_at=hours(1), cancelled_at=hours(2), cancel_reason="Buyer changed mind"),
        order("b", paid_at=hours(1), cancelled_at=hours(3), cancel_reason="Buyer changed mind"),
        order("c", paid_at=hours(1), cancelled_at=hours(3)),
        order("d", paid_at=hours(1)),
    ]
    report = quality_report(orders, [], SINCE, UNTIL)
    assert (report.cancelled.count, report.cancelled.of, report.paid) == (3, 4, 4)
    assert report.cancelled_by_cause == {"Buyer changed mind": 2, "unknown": 1}


def test_paid_to_label_and_to_first_scan_by_nearest_rank() -> None:
    orders = [
        order(str(n), paid_at=hours(0), labelled_at=hours(n), first_scan_at=hours(2 * n))
        for n in range(1, 21)
    ]
    orders.append(order("no-label", paid_at=hours(0)))
    report = quality_report(orders, [], SINCE, UNTIL)
    assert report.paid_to_label.orders == 20
    assert (report.paid_to_label.p50_hours, report.paid_to_label.p95_hours) == (10.0, 19.0)
    assert (report.paid_to_first_scan.p50_hours, report.paid_to_first_scan.p95_hours) == (20.0, 38.0)
    assert str(report.paid_to_label) == "10/19 h"
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0


def test_data_accuracy_is_the_share_of_reconciled_changes_already_known() -> None:
    checks = [
        ReconcileCheckRow(shop_id="s1", order_id=str(n), update_time=n, matched=n != 3) for n in range(4)
    ]
    report = quality_report([], checks, SINCE, UNTIL)
    assert (report.data_accuracy.count, report.data_accuracy.of) == (3, 4)
    assert str(report.data_accuracy) == "75.0% (3/4)"
    assert str(quality_report([], [], SINCE, UNTIL).late_dispatch) == "-"
