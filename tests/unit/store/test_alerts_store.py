"""The alert outbox, delivery records, the projection's milestones and reconcile checks, on both backends."""

from __future__ import annotations

from datetime import timedelta

from creatorflow.alerts.models import Alert, AlertKind, AlertSettings
from creatorflow.store import Store
from creatorflow.store.tables import OrderRecord, utcnow
from creatorflow.sync import OrderChange


def alert(alert_id: str, subject: str = "s") -> Alert:
    return Alert(alert_id=alert_id, shop_id="s1", kind=AlertKind.ATTENTION, subject=subject)


def test_an_alert_id_is_queued_once_and_each_channel_is_owed_it_until_marked_sent(store: Store) -> None:
    assert store.enqueue_alerts([alert("a1"), alert("a2")]) == 2
    assert store.enqueue_alerts([alert("a1", subject="again"), alert("a3")]) == 1
    since = utcnow() - timedelta(hours=1)
    assert [a.alert_id for a in store.unsent_alerts("s1", "email", since)] == ["a1", "a2", "a3"]
    assert store.alerts_by_id(["a1"])[0].subject == "s"  # the first body wins
    store.mark_sent("email", ["a1", "a2"])
    store.mark_sent("email", ["a1"])  # again: harmless
    assert [a.alert_id for a in store.unsent_alerts("s1", "email", since)] == ["a3"]
    assert len(store.unsent_alerts("s1", "webhook", since)) == 3
    assert store.sent_on("email", ["a1", "a3"]) == {"a1"}
    assert store.unsent_alerts("s1", "email", utcnow() + timedelta(minutes=1)) == []


def test_settings_are_off_until_set(store: Store) -> None:
    assert store.alert_settings("s1") == AlertSettings()
    store.set_alert_settings("s1", AlertSettings(enabled=True, email_to=["a@example.com"]))
    assert store.alert_settings("s1").email_to == ["a@example.com"]


def test_milestones_are_stamped_once_when_the_stage_first_reaches_them(store: Store) -> None:
    def record(state: str, stage: str) -> OrderRecord:
        store.upsert_order(OrderRecord(shop_id="s1", order_id="o1", state=state, stage=stage))
        found = store.order("s1", "o1")
        assert found is not None
        return found

    paid = record("READY", "READY")
    assert paid.paid_at is not None and paid.labelled_at is None
    parked = record("NEEDS_ATTENTION", "LABEL_PURCHASED")  # the stage under the problem counts
    assert parked.labelled_at is not None and parked.paid_at == paid.paid_at
    scanned = record("IN_TRANSIT", "IN_TRANSIT")
    assert scanned.shipped_at is not None and scanned.first_scan_at is not None
    assert scanned.labelled_at == parked.labelled_at and scanned.delivered_at is None
    assert record("CANCELLED", "IN_TRANSIT").cancelled_at is not None


def test_reconcile_checks_say_whether_the_projection_already_knew_each_change(store: Store) -> None:
    store.upsert_order(
        OrderRecord(
            shop_id="s1",
            order_id="known",
            state="SHIPPED",
            tiktok_status="AWAITING_COLLECTION",
            tiktok_update_time=100,
        )
    )
    store.upsert_order(
        OrderRecord(
            shop_id="s1",
            order_id="stale",
            state="READY",
            tiktok_status="AWAITING_SHIPMENT",
            tiktok_update_time=50,
        )
    )
    changes = [
        OrderChange(order_id="known", ref_id="known", tiktok_status="AWAITING_COLLECTION", update_time=100),
        OrderChange(order_id="stale", ref_id="stale", tiktok_status="IN_TRANSIT", update_time=90),
        OrderChange(order_id="new", ref_id="new", tiktok_status="AWAITING_SHIPMENT", update_time=95),
        OrderChange(order_id="known", kind="return", ref_id="r1", tiktok_status="X", update_time=100),
    ]
    assert store.check_against_tiktok("s1", changes) == 2
    assert store.check_against_tiktok("s1", changes) == 0  # checked once per change
    checks = {c.order_id: c.matched for c in store.reconcile_checks("s1", utcnow() - timedelta(hours=1))}
    assert checks == {"known": True, "stale": False, "new": False}
