"""Store activities: keep the app database's projection of what workflows decided."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities import contracts
from creatorflow.aftersales import RETURN_AND_REFUND, RETURN_DONE
from creatorflow.inventory import Reservation
from creatorflow.orders import FulfillmentState, reached
from creatorflow.store import Store
from creatorflow.store.tables import LabelRow, LabelStatus, OrderRecord, ReservationStatus, ReturnRecord


class StoreActivities:
    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name=contracts.RECORD_ORDER.name)
    async def record_order(self, update: contracts.OrderRecordUpdate) -> None:
        """The order's projection; its held stock follows it off the shelf (shipped) or back (cancelled)."""
        await asyncio.to_thread(self._store.upsert_order, OrderRecord(**update.model_dump()))
        settled = _settled(update.state)
        if settled is not None:
            await asyncio.to_thread(self._store.settle_reservation, update.shop_id, update.order_id, settled)

    @activity.defn(name=contracts.RESERVE_STOCK.name)
    async def reserve_stock(self, request: contracts.StockRequest) -> Reservation:
        return await asyncio.to_thread(
            self._store.reserve_stock,
            request.shop_id,
            request.order_id,
            request.warehouse_id,
            [(item.sku_id, item.quantity) for item in request.items],
        )

    @activity.defn(name=contracts.RECORD_LABEL.name)
    async def record_label(self, record: contracts.LabelRecord) -> None:
        label = record.label
        explanation = label.explanation
        baseline = explanation.baseline if explanation else None
        await asyncio.to_thread(
            self._store.save_label,
            LabelRow(
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
                choice_reason=explanation.summary if explanation else "",
                baseline_cost=baseline.amount if baseline else None,
                baseline_service=baseline.service if baseline else None,
                decided_by=explanation.decided_by if explanation else None,
            ),
        )

    @activity.defn(name=contracts.RECORD_LABEL_REFUND.name)
    async def record_label_refund(self, record: contracts.LabelRefundRecord) -> None:
        await asyncio.to_thread(
            self._store.set_label_status, record.idempotency_key, LabelStatus(record.status)
        )

    @activity.defn(name=contracts.LOAD_SYNC_CURSOR.name)
    async def load_sync_cursor(self, ref: contracts.SyncCursorRef) -> int:
        return await asyncio.to_thread(self._store.sync_cursor, ref.shop_id, ref.name) or 0

    @activity.defn(name=contracts.ADVANCE_SYNC_CURSOR.name)
    async def advance_sync_cursor(self, update: contracts.SyncCursorUpdate) -> int:
        return await asyncio.to_thread(
            self._store.advance_sync_cursor, update.shop_id, update.name, update.value
        )

    @activity.defn(name=contracts.RECORD_RETURN.name)
    async def record_return(self, update: contracts.ReturnRecordUpdate) -> None:
        """Return analytics; a completed return-and-refund (the package was received) restocks the order."""
        await asyncio.to_thread(self._store.upsert_return, ReturnRecord(**update.model_dump()))
        if update.return_type == RETURN_AND_REFUND and update.status in RETURN_DONE:
            await asyncio.to_thread(
                self._store.settle_reservation, update.shop_id, update.order_id, ReservationStatus.RELEASED
            )


def _settled(state: str) -> ReservationStatus | None:
    try:
        stage = FulfillmentState(state)
    except ValueError:
        return None
    if stage is FulfillmentState.CANCELLED:
        return ReservationStatus.RELEASED
    if reached(stage, FulfillmentState.SHIPPED):
        return ReservationStatus.SHIPPED
    return None
