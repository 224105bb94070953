"""The webhook inbox: verify and record, answer; the forwarder then hands the event to its workflow.

The record is the durability point: the API answers 200 once the event is committed, and the forwarder
(`creatorflow.api.forwarder`) delivers it from the record, retrying until it gets through, so an event we
answered is never lost, even when Temporal is down (docs/design.md, "Never lose a webhook"). Transport
(FastAPI) and orchestration (Temporal) are both outside this module: it speaks to Temporal through the
`EventGateway` protocol.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from creatorflow.api.batching import Batched
from creatorflow.api.forwarder import Forwarder
from creatorflow.api.outage import DatabaseOutage
from creatorflow.config import TikTokSettings
from creatorflow.domain import OtherCarrierEvent, Provider
from creatorflow.gateway import EventGateway, WorkflowClosedError
from creatorflow.inventory import CatalogChange
from creatorflow.metrics import WEBHOOKS, Metrics, NoMetrics
from creatorflow.names import (
    CatalogMessage,
    OrderMessage,
    ShopMessage,
    catalog_workflow_id,
    order_workflow_id,
    shop_workflow_id,
)
from creatorflow.orders import CarrierTrackingEvent, TikTokOrderEvent
from creatorflow.shipping.base import Carrier, WebhookDelivery
from creatorflow.shipping.errors import MalformedWebhookError, WebhookRejectedError
from creatorflow.shops import ShopAuthorizationEvent
from creatorflow.store import Store
from creatorflow.store.db import unreachable
from creatorflow.store.inbox import WebhookMark
from creatorflow.store.tables import ShopStatus, WebhookRow, WebhookStatus, utcnow
from creatorflow.tiktok.webhooks import (
    CancellationStatusChange,
    OrderStatusChange,
    PackageUpdate,
    RecipientAddressUpdate,
    ReturnStatusChange,
    SellerDeauthorization,
    UpcomingAuthorizationExpiration,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookType,
    dedup_key,
    parse_event,
    verify_signature,
)
from creatorflow.tiktok.webhooks import WebhookEvent as TikTokWebhook

log = logging.getLogger(__name__)

UNKNOWN = "unknown"  # the event type of a webhook that could not be read
# Webhooks being received at once from which the API counts as busy: the forwarder then forwards one at a
# time, so a burst is answered first (creatorflow.api.forwarder).
BUSY = 4


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    FORGED = "forged"
    MALFORMED = "malformed"
    UNAVAILABLE = "unavailable"  # verified, but the database could not record it: the sender must retry


# Product status change, information change, creation (docs/reference/tiktok-shop-api.md §7.3): the shop's
# catalog re-syncs.
PRODUCT_TOPICS = frozenset(
    {WebhookType.PRODUCT_STATUS_CHANGE, WebhookType.PRODUCT_INFORMATION_CHANGE, WebhookType.PRODUCT_CREATION}
)


def _order_events(event: TikTokWebhook) -> list[tuple[str, TikTokOrderEvent]]:
    """The orders an event is about, and what each one's workflow is told; none for topics we do not act
    on. A package update (split, combine, ...) may name several orders: each re-reads its packages."""
    status: str | None = None
    match event.data:
        case OrderStatusChange() as data:
            kind, status, when, order_ids = "status", data.order_status, data.update_time, [data.order_id]
        case RecipientAddressUpdate() as data:
            kind, when, order_ids = "address", data.update_time, [data.order_id]
        case CancellationStatusChange() as data:
            kind, when, order_ids = "cancellation", data.update_time or data.create_time, [data.order_id]
        case ReturnStatusChange() as data:
            kind, when, order_ids = "return", data.update_time or data.create_time, [data.order_id]
        case PackageUpdate() as data:
            kind, when = "package", data.update_time
            order_ids = list(dict.fromkeys(o for package in data.package_list for o in package.order_id_list))
        case _:
            return []
    several = len(order_ids) > 1
    return [
        (
            order_id,
            TikTokOrderEvent(
                event_id=f"{event.dedup_key}:{order_id}" if several else event.dedup_key,
                kind=kind,
                tiktok_status=status,
                update_time=when,
            ),
        )
        for order_id in order_ids
    ]


def _shop_event(event: TikTokWebhook) -> ShopAuthorizationEvent | None:
    """What the shop's workflow is told of a type 6 or 7 event; None for other topics."""
    occurred_at = datetime.fromtimestamp(event.timestamp, UTC)
    match event.data:
        case SellerDeauthorization() as data:
            return ShopAuthorizationEvent(
                event_id=event.dedup_key, kind="deauthorized", occurred_at=occurred_at, message=data.message
            )
        case UpcomingAuthorizationExpiration() as data:
            return ShopAuthorizationEvent(
                event_id=event.dedup_key,
                kind="expiring",
                occurred_at=occurred_at,
                message=data.message,
                expires_at=datetime.fromtimestamp(data.expiration_time, UTC),
            )
        case _:
            return None


def _each(write: Callable[[list[WebhookMark]], None]) -> Callable[[list[WebhookMark]], list[None]]:
    """A batch write that returns nothing, as a group commit wants it: one (empty) result per item."""

    def written(marks: list[WebhookMark]) -> list[None]:
        write(marks)
        return [None] * len(marks)

    return written


def _together(outcomes: list[Outcome]) -> Outcome:
    """One answer for an event recorded once per order: retry if any record failed (those made are then
    duplicates), accepted if any was new."""
    if Outcome.UNAVAILABLE in outcomes:
        return Outcome.UNAVAILABLE
    return Outcome.ACCEPTED if Outcome.ACCEPTED in outcomes else Outcome.DUPLICATE


def _unrouted(
    source: str, body: bytes, status: WebhookStatus, error: str, event_type: str = ""
) -> WebhookRow:
    """A verified webhook that goes to no workflow, kept once per distinct body (its hash is the key)."""
    key = dedup_key(0, "", None, body)
    return WebhookRow(
        source=source, dedup_key=key, event_type=event_type, body=body, status=status, error=error
    )


class WebhookInbox:
    def __init__(
        self,
        store: Store,
        gateway: EventGateway,
        tiktok: TikTokSettings,
        carriers: Mapping[Provider, Carrier],
        forward_timeout: float = 5.0,
        metrics: Metrics | None = None,
        unmatched_tracking_grace: timedelta = timedelta(hours=1),
        retry_after: timedelta = timedelta(seconds=2),
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._tiktok = tiktok
        self._carriers = carriers
        self._metrics = metrics or NoMetrics()
        self._unmatched_tracking_grace = unmatched_tracking_grace
        self._record_rows = Batched(store.record_webhooks, "record webhooks")
        self._mark_rows: Batched[WebhookMark, None] = Batched(_each(store.mark_webhooks), "mark webhooks")
        self._shop_status = Batched(store.shop_statuses, "read shop statuses")
        self._receiving = 0  # webhooks being received right now
        self.database = DatabaseOutage()
        self._forwarder = Forwarder(
            store,
            self.forward,
            self.database,
            busy=lambda: self._receiving >= BUSY,
            timeout=forward_timeout,
            retry_after=retry_after,
        )

    # --- receiving -----------------------------------------------------------------------------

    async def receive_tiktok(self, body: bytes, authorization: str | None) -> Outcome:
        self._receiving += 1
        try:
            outcome, event_type = await self._receive_tiktok(body, authorization)
        finally:
            self._receiving -= 1
        self._metrics.add(WEBHOOKS, source="tiktok", type=event_type, outcome=outcome.value)
        return outcome

    async def receive_tracking(self, provider: Provider, delivery: WebhookDelivery) -> Outcome:
        self._receiving += 1
        try:
            outcome, status = await self._receive_tracking(provider, delivery)
        finally:
            self._receiving -= 1
        self._metrics.add(WEBHOOKS, source=provider.value, type=status, outcome=outcome.value)
        return outcome

    async def _receive_tiktok(self, body: bytes, authorization: str | None) -> tuple[Outcome, str]:
        """The outcome, and the event's type (its topic's name) as far as it could be read."""
        try:
            verify_signature(
                self._tiktok.app_key, self._tiktok.app_secret.get_secret_value(), body, authorization
            )
        except WebhookSignatureError:
            log.warning("tiktok webhook with a bad signature rejected (%d bytes)", len(body))
            return Outcome.FORGED, UNKNOWN
        try:
            event = parse_event(body)
        except WebhookPayloadError as exc:
            return await self._keep_malformed("tiktok", body, exc), UNKNOWN
        routed, shop_event = _order_events(event), _shop_event(event)
        if routed:  # one record per order, each forwarded (and retried) in its own workflow's lane
            outcomes = await asyncio.gather(
                *(
                    self._record(
                        WebhookRow(
                            source="tiktok",
                            dedup_key=message.event_id,
                            event_type=str(event.type),
                            shop_id=event.shop_id,
                            order_id=order_id,
                            body=body,
                            signal=OrderMessage.TIKTOK_EVENT,
                            payload=message.model_dump_json(),
                            lane=order_workflow_id(event.shop_id, order_id),
                        )
                    )
                    for order_id, message in routed
                )
            )
            return _together(outcomes), event.type_name
        row = WebhookRow(
            source="tiktok",
            dedup_key=event.dedup_key,
            event_type=str(event.type),
            shop_id=event.shop_id,
            body=body,
        )
        if shop_event is not None:
            row.signal = ShopMessage.AUTHORIZATION_EVENT
            row.payload = shop_event.model_dump_json()
            row.lane = shop_workflow_id(event.shop_id)
        elif event.type in PRODUCT_TOPICS:
            row.signal = CatalogMessage.CHANGED
            row.lane = catalog_workflow_id(event.shop_id)
            product_id = str(getattr(event.data, "product_id", "") or "")
            row.payload = CatalogChange(source="webhook", product_id=product_id).model_dump_json()
        else:
            row.status = WebhookStatus.IGNORED
            row.error = f"topic {event.type} is not acted on"
        return await self._record(row), event.type_name

    async def _receive_tracking(self, provider: Provider, delivery: WebhookDelivery) -> tuple[Outcome, str]:
        """The outcome, and the tracking status the event reported (if it could be read)."""
        carrier = self._carriers.get(provider)
        if carrier is None:
            return Outcome.FORGED, UNKNOWN
        try:
            update = carrier.parse_tracking_webhook(delivery)
        except MalformedWebhookError as exc:
            return await self._keep_malformed(provider.value, delivery.body, exc), UNKNOWN
        except WebhookRejectedError as exc:
            log.warning("%s webhook rejected: %s", provider.value, exc)
            return Outcome.FORGED, UNKNOWN
        if isinstance(update, OtherCarrierEvent):
            reason = f"{provider.value} event {update.event_type!r} is not acted on"
            ignored = _unrouted(
                provider.value, delivery.body, WebhookStatus.IGNORED, reason, update.event_type
            )
            return await self._record(ignored), update.event_type
        tracking = update.tracking
        latest = tracking.events[-1] if tracking.events else None
        message = CarrierTrackingEvent(
            event_id=f"{provider.value}:{update.event_id}",
            provider=provider,
            tracking_number=tracking.tracking_number,
            status=tracking.status,
            detail=latest.detail if latest else "",
            occurred_at=latest.occurred_at if latest else None,
        )
        row = WebhookRow(
            source=provider.value,
            dedup_key=message.event_id,
            event_type=tracking.status.value,
            tracking_number=tracking.tracking_number,
            signal=OrderMessage.TRACKING_EVENT,
            payload=message.model_dump_json(),
            body=delivery.body,
            lane=f"tracking:{tracking.tracking_number}",  # its order is known once the label is found
        )
        return await self._record(row), tracking.status.value

    async def _keep_malformed(self, source: str, body: bytes, error: Exception) -> Outcome:
        """A verified body we cannot read: kept (once per distinct body) for someone to inspect."""
        log.warning("%s webhook malformed: %s", source, error)
        row = _unrouted(source, body, WebhookStatus.MALFORMED, str(error)[:500])
        outcome = await self._record(row)
        return Outcome.UNAVAILABLE if outcome is Outcome.UNAVAILABLE else Outcome.MALFORMED

    async def _record(self, row: WebhookRow) -> Outcome:
        """Commit the event (one write), wake the forwarder, answer: TikTok never waits on Temporal. When
        the database cannot be reached the sender is told to retry: nothing is acknowledged before it is
        durable."""
        try:
            new = await self._record_rows(row)
        except SQLAlchemyError as exc:
            if not unreachable(exc):
                raise
            self.database.failed(exc, refusing_webhook=True)
            return Outcome.UNAVAILABLE
        self.database.reached()
        if new and row.status is WebhookStatus.RECEIVED:
            self._forwarder.wake()
        return Outcome.ACCEPTED if new else Outcome.DUPLICATE

    # --- forwarding ----------------------------------------------------------------------------

    async def forward(self, row: WebhookRow) -> None:
        """Deliver one recorded event to its workflow and mark it; raises if Temporal is unreachable."""
        assert row.id is not None
        if row.signal == OrderMessage.TIKTOK_EVENT:
            await self._forward_tiktok(row)
        elif row.signal == ShopMessage.AUTHORIZATION_EVENT:
            await self._forward_shop_event(row)
        elif row.signal == OrderMessage.TRACKING_EVENT:
            await self._forward_tracking(row)
        elif row.signal == CatalogMessage.CHANGED:
            await self._forward_catalog(row)
        else:
            raise ValueError(f"webhook {row.id} has no known signal {row.signal!r}")

    async def _connected_status(self, row: WebhookRow) -> ShopStatus | None:
        """The status of the event's shop, or None (the event marked IGNORED) if we never connected it."""
        assert row.id is not None
        status = await self._shop_status(row.shop_id)
        if status is None:
            await self._mark(row.id, WebhookStatus.IGNORED, f"shop {row.shop_id} is not connected")
        return status

    async def _forward_tiktok(self, row: WebhookRow) -> None:
        """Order events start or wake the order's workflow, but not for a deauthorized shop: this is where
        its order intake stops. A shop needing re-authorization still takes orders; they wait for the
        seller before buying a label."""
        if not await self._intake_open(row):
            return
        message = TikTokOrderEvent.model_validate_json(row.payload)
        await self._signal(row, row.shop_id, row.order_id, message, start=True)

    async def _forward_catalog(self, row: WebhookRow) -> None:
        """Product events re-sync the catalog of a shop not deauthorized."""
        assert row.id is not None
        if not await self._intake_open(row):
            return
        change = CatalogChange.model_validate_json(row.payload)
        workflow_id = await self._gateway.signal_catalog(row.shop_id, change)
        await self._mark(row.id, WebhookStatus.FORWARDED, workflow_id=workflow_id)

    async def _intake_open(self, row: WebhookRow) -> bool:
        """True for a connected shop its seller has not deauthorized; else the event is marked IGNORED."""
        assert row.id is not None
        status = await self._connected_status(row)
        if status is None:
            return False
        if status is ShopStatus.DEAUTHORIZED:
            await self._mark(row.id, WebhookStatus.IGNORED, f"shop {row.shop_id} is {status.value}")
            return False
        return True

    async def _forward_shop_event(self, row: WebhookRow) -> None:
        """Authorization events go to the shop's workflow whatever the shop's status."""
        assert row.id is not None
        if await self._connected_status(row) is None:
            return
        message = ShopAuthorizationEvent.model_validate_json(row.payload)
        workflow_id = await self._gateway.signal_shop(row.shop_id, row.signal, message)
        await self._mark(row.id, WebhookStatus.FORWARDED, workflow_id=workflow_id)

    async def _forward_tracking(self, row: WebhookRow) -> None:
        assert row.id is not None
        label = await asyncio.to_thread(self._store.label_by_tracking, row.tracking_number)
        if label is None:
            if utcnow() - row.received_at < self._unmatched_tracking_grace:
                # The label may be recorded a moment after the carrier's first webhook: keep it for later.
                raise LookupError(f"no label with tracking number {row.tracking_number} yet")
            # Still none: a label bought outside CreatorFlow on the same account. Retrying it for ever
            # would crowd real events out of each forwarding pass.
            reason = f"no label of ours has tracking number {row.tracking_number}"
            await self._mark(row.id, WebhookStatus.IGNORED, reason)
            return
        message = CarrierTrackingEvent.model_validate_json(row.payload)
        await self._signal(row, label.shop_id, label.order_id, message, start=False)

    async def _signal(
        self, row: WebhookRow, shop_id: str, order_id: str, message: BaseModel, *, start: bool
    ) -> None:
        assert row.id is not None
        try:
            workflow_id = await self._gateway.signal_order(
                shop_id, order_id, row.signal, message, start=start
            )
        except WorkflowClosedError as exc:
            await self._mark(row.id, WebhookStatus.IGNORED, str(exc))
            return
        await self._mark(row.id, WebhookStatus.FORWARDED, workflow_id=workflow_id)

    async def _mark(
        self, event_id: int, status: WebhookStatus, error: str = "", workflow_id: str | None = None
    ) -> None:
        await self._mark_rows(
            WebhookMark(event_id=event_id, status=status, error=error, workflow_id=workflow_id)
        )

    async def forward_pending(self) -> int:
        """Forward what is due now (Temporal was down, or a label was not recorded yet); how many went."""
        return await self._forwarder.forward_pending()

    async def gateway_ready(self) -> bool:
        return await self._gateway.ready()

    async def run_forwarder(self, interval: float = 2.0) -> None:
        """Forward recorded events for as long as the API runs (`interval`: the safety-net poll)."""
        await self._forwarder.run(interval)
