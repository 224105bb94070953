"""The webhook inbox: one row per event even under concurrency, and its status moves, on SQLite and
PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from creatorflow.store import Store
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
