"""What we read of Shippo's answers, in lenient models of our own.

The pinned SDK's (3.9.0) dataclasses refuse shapes the live API sends: a Transaction without `created_by`
(AttributeError), a Track without `messages`, or whose history items lack `object_updated` (KeyError),
an enum value it does not know (ValueError). Shippo's own recordings have all of them
(tests/fixtures/recorded/shippo_*.json; docs/reference/shipping.md §2.1, §5). These models take the fields we
use and ignore the rest, so the adapter reads transactions, transaction lists, tracks and tracking webhooks
from the raw body instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from creatorflow.domain import Provider, Tracking, TrackingEvent, TrackingStatus
from creatorflow.shipping.base import WireLocation

PROVIDER = Provider.SHIPPO
# A transaction in one of these states is (or is becoming) a label: never buy its rate again.
PURCHASED = frozenset({"SUCCESS", "QUEUED", "WAITING"})
_TRACKING_STATUS = {
    "UNKNOWN": TrackingStatus.UNKNOWN,
    "PRE_TRANSIT": TrackingStatus.PRE_TRANSIT,
    "TRANSIT": TrackingStatus.IN_TRANSIT,
    "DELIVERED": TrackingStatus.DELIVERED,
    "RETURNED": TrackingStatus.RETURNED,
    "FAILURE": TrackingStatus.FAILURE,
}


class _ShippoModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ShippoMessage(_ShippoModel):
    source: str | None = None
    code: str | None = None
    text: str | None = None

    def describe(self) -> str:
        return self.text or self.code or ""


class ShippoTransaction(_ShippoModel):
    """A label purchase. `rate` is the rate's id (an object only for instant labels, which we do not buy);
    a refused or unfinished one has "" for its tracking number and label URL, as recorded."""

    object_id: str
    status: str | None = None
    rate: str | dict[str, Any] | None = None
    tracking_number: str | None = None
    label_url: str | None = None
    messages: list[ShippoMessage] = []

    def is_purchase_of(self, rate_id: str) -> bool:
        return self.rate == rate_id and self.status in PURCHASED


class ShippoTransactionPage(_ShippoModel):
    """`GET /transactions`: `count`, `next`, `previous` (URLs) and `results`."""

    count: int | None = None
    next: str | None = None
    results: list[ShippoTransaction] = []


class ShippoTrackStatus(_ShippoModel):
    status: str
    status_details: str | None = None
    status_date: datetime | None = None
    object_created: datetime
    location: WireLocation | None = None

    def event(self) -> TrackingEvent:
        return TrackingEvent(
            status=_TRACKING_STATUS.get(self.status, TrackingStatus.UNKNOWN),
            detail=self.status_details or self.status,
            occurred_at=self.status_date or self.object_created,
            location=self.location.describe() if self.location else None,
        )


class ShippoTrack(_ShippoModel):
    carrier: str
    tracking_number: str
    transaction: str | None = None
    tracking_status: ShippoTrackStatus | None = None
    tracking_history: list[ShippoTrackStatus] = []

    def tracking(self) -> Tracking:
        current = self.tracking_status
        scans = self.tracking_history or ([current] if current else [])
        return Tracking(
            provider=PROVIDER,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            status=current.event().status if current else TrackingStatus.UNKNOWN,
            events=[scan.event() for scan in scans],
            label_id=self.transaction,
        )


class ShippoEvent(_ShippoModel):
    event: str


class ShippoTrackWebhook(ShippoEvent):
    test: bool | None = None
    data: ShippoTrack
