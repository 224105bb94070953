"""Pydantic models shared by every layer: the API, activities, workflows and the store all speak these.

Shipping side: where a package goes (`Address`), what it is (`Parcel`), what it may cost (`Rate`), what we
bought (`Label`, with the `RateExplanation` of why), and where it is (`Tracking`, `TrackingUpdate`).
Money is `Decimal` and ids are the providers' own strings, so nothing is rounded or renumbered on its
way through workflow history. Models are frozen: a value that crossed a boundary is never edited in place.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DomainModel(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")


class Message(BaseModel):
    """What crosses a Temporal boundary (an activity's input or output, a signal, an update): immutable.
    Lenient on extra fields, unlike `DomainModel`, so a payload from a newer worker still decodes."""

    model_config = ConfigDict(frozen=True)


class Provider(StrEnum):
    """A shipping-label provider we buy through (not the carrier that moves the box)."""

    SHIPPO = "shippo"
    EASYPOST = "easypost"
    TIKTOK = "tiktok"  # TikTok Shipping: a label TikTok sells for the order (Create Packages)


class Address(DomainModel):
    name: str = Field(min_length=1)
    company: str | None = None
    street1: str = Field(min_length=1)
    street2: str | None = None
    city: str = Field(min_length=1)
    state: str = Field(default="", description="state/province code; required by US carriers")
    postal_code: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    phone: str | None = None
    email: str | None = None


class Parcel(DomainModel):
    """One box, in the units both providers take natively (inches, ounces)."""

    length_in: Decimal = Field(gt=0)
    width_in: Decimal = Field(gt=0)
    height_in: Decimal = Field(gt=0)
    weight_oz: Decimal = Field(gt=0)


class Rate(DomainModel):
    """A price quoted for one service on one provider-side shipment; buying it buys exactly one label."""

    provider: Provider
    rate_id: str
    shipment_id: str
    carrier: str = Field(description="who moves the box, e.g. USPS")
    service: str = Field(description="the provider's service code, e.g. Priority or usps_priority")
    amount: Decimal
    currency: str
    delivery_days: int | None = Field(default=None, description="promised days in transit, if any")


class RateVerdict(DomainModel):
    rate: Rate
    rejected_because: str | None = None


class RateExplanation(DomainModel):
    """Why a rate was chosen: every quoted rate with its verdict, and every provider that could not quote.

    Kept with the label so an operator can answer "why did this order ship UPS?" months later.
    """

    summary: str
    ship_on: date
    deliver_by: date | None
    verdicts: list[RateVerdict]
    unavailable: dict[Provider, str] = Field(default_factory=dict, description="provider -> error")
    decided_by: str | None = Field(default=None, description="the seller's rule that made the pick, if any")
    baseline: Rate | None = Field(
        default=None, description="the seller's default service as quoted, before any rule: what it saved"
    )


class Label(DomainModel):
    """A bought label. `idempotency_key` is the order-side key it was bought under."""

    rate: Rate
    label_id: str = Field(description="Shippo transaction id / EasyPost postage label id")
    tracking_number: str
    label_url: str
    idempotency_key: str
    explanation: RateExplanation | None = None


class RefundStatus(StrEnum):
    SUBMITTED = "submitted"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class LabelRefund(DomainModel):
    provider: Provider
    label_id: str
    status: RefundStatus


class TrackingStatus(StrEnum):
    """Our status vocabulary; each adapter maps its provider's statuses onto it.

    TikTok counts an order as dispatched at the first carrier scan, i.e. the first `IN_TRANSIT`.
    """

    UNKNOWN = "unknown"
    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    RETURNED = "returned"
    FAILURE = "failure"


class TrackingEvent(DomainModel):
    """One carrier scan."""

    status: TrackingStatus
    detail: str
    occurred_at: datetime
    location: str | None = None


class Tracking(DomainModel):
    """Where a package is now, with its scans oldest first."""

    provider: Provider
    carrier: str
    tracking_number: str
    status: TrackingStatus
    events: list[TrackingEvent]
    label_id: str | None = Field(default=None, description="Shippo transaction id, when the provider says")
    shipment_id: str | None = Field(default=None, description="EasyPost shipment id, when the provider says")


class TrackingUpdate(DomainModel):
    """A verified tracking webhook. `event_id` is the dedup key: providers deliver at least once."""

    event_id: str
    tracking: Tracking


class OtherCarrierEvent(DomainModel):
    """A verified carrier webhook of a kind we do not act on (a batch finished, a refund, ...): it is
    acknowledged, since a refused delivery only makes the carrier retry it, or disable the webhook."""

    event_type: str


def same_carrier(ours: str, tiktoks: str) -> bool:
    """Whether our carrier name and a TikTok shipping provider's name are one carrier ("DHL" is TikTok's
    "DHL eCommerce"), compared case-insensitively."""
    ours, tiktoks = ours.lower(), tiktoks.lower()
    return ours == tiktoks or tiktoks.startswith(ours + " ") or ours.startswith(tiktoks + " ")
