"""The forwarder's bounds: at most `concurrency` deliveries in flight, one while the API is busy."""

from __future__ import annotations

import asyncio
from pathlib import Path

from creatorflow.api.forwarder import Forwarder
from creatorflow.api.outage import DatabaseOutage
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.tables import WebhookRow, WebhookStatus


def record(store: Store, count: int, first: int = 0) -> None:
    store.record_webhooks(
        [
            WebhookRow(source="tiktok", dedup_key=f"e{n}", body=b"{}", lane=f"order:s:{n}")
            for n in range(first, first + count)
        ]
    )


async def test_deliveries_in_flight_stay_bounded_and_a_busy_api_gets_one_at_a_time(tmp_path: Path) -> None:
    store = Store(make_engine(f"sqlite:///{tmp_path / 'inbox.db'}"), Keyring.parse(Keyring.generate_spec()))
    create_schema(store.engine)
    busy, in_flight, peak = False, 0, 0

    async def deliver(row: WebhookRow) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        assert row.id is not None
        store.mark_webhook(row.id, WebhookStatus.FORWARDED)

    forwarder = Forwarder(store, deliver, DatabaseOutage(), busy=lambda: busy, concurrency=4)
    record(store, 20)
    assert await forwarder.forward_pending() == 20
    assert peak == 4

    record(store, 10, first=20)
    busy, peak = True, 0
    assert await forwarder.forward_pending() == 10
    assert peak == 1
    assert {row.status for row in store.webhooks()} == {WebhookStatus.FORWARDED}
