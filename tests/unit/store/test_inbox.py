"""The webhook inbox: one row per event even under concurrency, and its status moves, on SQLite and
PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from creatorflow.store import Store
from creatorflow.store.inbox import WebhookMark
from creatorflow.store.tables import WebhookRow, WebhookStatus


def test_webhook_inbox_deduplicates_even_under_concurrency(store: Store) -> None:
    def record(_: int) -> bool:
        event = WebhookRow(source="tiktok", dedup_key="tts:1:s:n-1", body=b"{}", event_type="1")
        return store.record_webhook(event)[1]

    with ThreadPoolExecutor(8) as pool:
        inserted = list(pool.map(record, range(16)))
    assert inserted.count(True) == 1
    assert len(store.webhooks()) == 1
    # Same key from another source is another event.
    assert store.record_webhook(WebhookRow(source="easypost", dedup_key="tts:1:s:n-1", body=b"{}"))[1]


def test_webhook_status_moves_and_pending_are_listed(store: Store) -> None:
    first, _ = store.record_webhook(WebhookRow(source="tiktok", dedup_key="a", body=b"{}"))
    second, _ = store.record_webhook(WebhookRow(source="tiktok", dedup_key="b", body=b"{}"))
    assert first.id is not None and second.id is not None
    store.mark_webhook(first.id, WebhookStatus.FORWARDED)
    pending = store.webhooks(WebhookStatus.RECEIVED)
    assert [e.dedup_key for e in pending] == ["b"]
    forwarded = store.webhooks(WebhookStatus.FORWARDED)[0]
    assert forwarded.forwarded_at is not None and forwarded.forwarded_at <= datetime.now(UTC)


def pending(store: Store, key: str, lane: str) -> int:
    row, _ = store.record_webhook(WebhookRow(source="tiktok", dedup_key=key, body=b"{}", lane=lane))
    assert row.id is not None
    return row.id


def claim(store: Store, owner: str, limit: int = 10) -> list[str]:
    return [row.dedup_key for row in store.claim_webhooks(owner, limit, timedelta(seconds=30), timedelta(0))]


def test_forwarders_claim_each_event_once_and_a_lane_in_the_order_received(store: Store) -> None:
    """Two API replicas: neither takes what the other holds, and a lane's later event waits for its
    earlier one, held elsewhere, to be done."""
    first = pending(store, "a1", "order:s:a")
    pending(store, "a2", "order:s:a")
    pending(store, "b1", "order:s:b")
    assert claim(store, "replica-1", limit=1) == ["a1"]
    assert claim(store, "replica-2") == ["b1"]  # a2 must wait for a1, which replica-1 holds
    assert claim(store, "replica-2") == []
    store.mark_webhook(first, WebhookStatus.FORWARDED)
    assert claim(store, "replica-2") == ["a2"]


def test_a_given_back_event_is_claimed_again_once_due(store: Store) -> None:
    event_id = pending(store, "a1", "order:s:a")
    pending(store, "a2", "order:s:a")
    assert claim(store, "replica-1") == ["a1", "a2"]
    store.release_webhooks([event_id], datetime.now(UTC) + timedelta(hours=1))
    assert claim(store, "replica-2") == []  # a1 is not due yet, and replica-1 still holds a2
    store.release_webhooks([event_id], datetime.now(UTC))
    assert claim(store, "replica-2") == ["a1"]


def test_a_group_commit_records_each_event_once_and_says_which_were_new(store: Store) -> None:
    store.record_webhook(WebhookRow(source="tiktok", dedup_key="old", body=b"{}"))
    batch = [WebhookRow(source="tiktok", dedup_key=key, body=b"{}") for key in ("new", "old", "new", "other")]
    assert store.record_webhooks(batch) == [True, False, False, True]
    assert sorted(row.dedup_key for row in store.webhooks()) == ["new", "old", "other"]


def test_marks_of_several_events_are_recorded_together(store: Store) -> None:
    ids = [pending(store, f"k{n}", f"order:s:{n}") for n in range(3)]
    store.mark_webhooks(
        [
            WebhookMark(event_id=ids[0], status=WebhookStatus.FORWARDED, workflow_id="order:s:0"),
            WebhookMark(event_id=ids[1], status=WebhookStatus.IGNORED, error="shop s is not connected"),
            WebhookMark(event_id=ids[2], status=WebhookStatus.FORWARDED, workflow_id="order:s:2"),
        ]
    )
    rows = {row.dedup_key: row for row in store.webhooks()}
    assert [(rows[f"k{n}"].status, rows[f"k{n}"].workflow_id) for n in range(3)] == [
        (WebhookStatus.FORWARDED, "order:s:0"),
        (WebhookStatus.IGNORED, ""),
        (WebhookStatus.FORWARDED, "order:s:2"),
    ]
    assert rows["k0"].forwarded_at is not None and rows["k1"].forwarded_at is None
