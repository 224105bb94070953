"""Store activities: keep the app database's projection of what workflows decided."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities import contracts
from creatorflow.store.repository import Store
from creatorflow.store.tables import Label, LabelStatus, OrderRecord


class StoreActivities:
    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name=contracts.RECORD_ORDER)
    async def record_order(self, update: contracts.OrderRecordUpdate) -> None:
        await asyncio.to_thread(self._store.upsert_order, OrderRecord(**update.model_dump()))

    @activity.defn(name=contracts.RECORD_LABEL)
    async def record_label(self, record: contracts.LabelRecord) -> None:
        label = record.label
        await asyncio.to_thread(
            self._store.save_label,
            Label(
                idempotency_key=label.idempotency_key,
                shop_id=record.shop_id,
                order_id=record.order_id,
                provider=label.rate.provider.value,
                provider_label_id=label.label_id,
                shipment_id=label.rate.shipment_id,
                rate_id=label.rate.rate_id,
                carrier=label.rate.carrier,
                service=label.rate.service,
                cost=label.rate.amount,
                currency=label.rate.currency,
                tracking_number=label.tracking_number,
                label_url=label.label_url,
                choice_reason=label.explanation.summary if label.explanation else "",
            ),
        )

    @activity.defn(name=contracts.RECORD_LABEL_REFUND)
    async def record_label_refund(self, record: contracts.LabelRefundRecord) -> None:
        await asyncio.to_thread(
            self._store.set_label_status, record.idempotency_key, LabelStatus(record.status)
        )

    @activity.defn(name=contracts.LOAD_SYNC_CURSOR)
    async def load_sync_cursor(self, ref: contracts.SyncCursorRef) -> int:
        return await asyncio.to_thread(self._store.sync_cursor, ref.shop_id, ref.name) or 0

    @activity.defn(name=contracts.ADVANCE_SYNC_CURSOR)
    async def advance_sync_cursor(self, update: contracts.SyncCursorUpdate) -> int:
        return await asyncio.to_thread(
            self._store.advance_sync_cursor, update.shop_id, update.name, update.value
        )
