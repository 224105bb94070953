"""Handing changes found by polling (reconcile, backfill) to order workflows, through the same gateway
the webhook inbox uses: an event polled from TikTok is delivered exactly like one pushed by it."""

from __future__ import annotations

from temporalio import activity

from activities import contracts
from creatorflow.api.inbox import EventGateway, WorkflowClosedError
from creatorflow.orders import OrderMessage
from creatorflow.sync import Delivery


class EventActivities:
    def __init__(self, gateway: EventGateway) -> None:
        self._gateway = gateway

    @activity.defn(name=contracts.DELIVER_ORDER_EVENT)
    async def deliver_order_event(self, request: contracts.OrderEventDelivery) -> Delivery:
        """Signal the order's workflow if it runs; else start it with the event; a finished one stays
        finished (the gateway never restarts an order), so running this twice starts nothing new."""
        message = (request.shop_id, request.order_id, OrderMessage.TIKTOK_EVENT, request.event)
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
