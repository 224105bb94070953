"""Handing changes found by polling (reconcile, backfill) to order workflows, through the same gateway
the webhook inbox uses: an event polled from TikTok is delivered exactly like one pushed by it."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.service import RPCError, RPCStatusCode

from activities import contracts
from creatorflow.gateway import EventGateway, WorkflowClosedError
from creatorflow.names import OrderMessage
from creatorflow.orders import TikTokOrderEvent
from creatorflow.store import Store
from creatorflow.sync import Delivery, DeliveryReport, OrderChange

# Temporal is briefly unable to answer: the whole batch is retried (every hand-over is idempotent).
TRANSIENT = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.INTERNAL,
        RPCStatusCode.UNKNOWN,
        RPCStatusCode.CANCELLED,
        RPCStatusCode.ABORTED,
    }
)


class EventActivities:
    def __init__(self, gateway: EventGateway, store: Store) -> None:
        self._gateway = gateway
        self._store = store

    @activity.defn(name=contracts.DELIVER_ORDER_CHANGES.name)
    async def deliver_order_changes(self, batch: contracts.OrderChangeBatch) -> DeliveryReport:
        """Every change to its order's workflow, at most `batch.window` at once.

        A reconcile batch is first checked against the store's projection (the data accuracy metric).
        A retry delivers the whole batch again: orders started by the failed attempt are then running
        and are signalled (deduplicated by event id), never started twice.
        """
        if batch.source == "reconcile":  # before the hand-over tells the orders what they missed
            await asyncio.to_thread(self._store.check_against_tiktok, batch.shop_id, batch.changes)
        report = DeliveryReport()
        window = asyncio.Semaphore(batch.window)

        async def one(change: OrderChange) -> None:
            async with window:
                try:
                    report.count(
                        await self._deliver(batch.shop_id, change.order_id, change.event(batch.source))
                    )
                except RPCError as exc:
                    if exc.status in TRANSIENT:
                        raise
                    report.failures.append(
                        f"{change.order_id}: {exc.status.name if exc.status else ''} {exc}"
                    )
                activity.heartbeat()

        await asyncio.gather(*(one(change) for change in batch.changes))
        return report

    async def _deliver(self, shop_id: str, order_id: str, event: TikTokOrderEvent) -> Delivery:
        """Signal the order's workflow if it runs; else start it with the event. A finished one stays
        finished (the gateway never restarts an order), so delivering twice starts nothing new."""
        message = (shop_id, order_id, OrderMessage.TIKTOK_EVENT, event)
        try:
            await self._gateway.signal_order(*message, start=False)
            return Delivery.SIGNALLED
        except WorkflowClosedError:
            pass  # never started, or finished: signal-with-start tells which
        try:
            await self._gateway.signal_order(*message, start=True)
        except WorkflowClosedError:
            return Delivery.FINISHED
        return Delivery.STARTED
