"""The `Carrier` protocol every label provider implements, and the requests that cross it.

Purchases are idempotent by construction (docs/reference/shipping.md §3): a rate belongs to one provider-side
shipment that was created, and persisted by the caller, before anything is bought. `buy_label` first
looks for a label already bought for that rate/shipment and returns it, so a retry after a crash,
timeout or lost response returns the first label instead of buying a second (mind the retry spacing
that `errors.AmbiguousPurchaseError` describes).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from creatorflow.domain import (
    Address,
    DomainModel,
    Label,
    LabelRefund,
    OtherCarrierEvent,
    Parcel,
    Provider,
    Rate,
    RateExplanation,
    Tracking,
    TrackingUpdate,
)

# Shippo's `metadata` holds at most 100 characters; EasyPost's `reference` is used the same way.
MAX_REFERENCE_LENGTH = 100


class ShipmentRequest(DomainModel):
    """One package to quote. `reference` is the order-side key, stored on the provider's shipment."""

    from_address: Address
    to_address: Address
    parcel: Parcel
    reference: str = Field(min_length=1, max_length=MAX_REFERENCE_LENGTH)


class PurchaseRequest(DomainModel):
    """Buy `rate`. Persist this before the first attempt and retry with it unchanged."""

    rate: Rate
    idempotency_key: str = Field(min_length=1, max_length=MAX_REFERENCE_LENGTH)
    explanation: RateExplanation | None = None


class WebhookDelivery(DomainModel):
    """A webhook exactly as it arrived: verification needs the raw bytes, headers and URL query."""

    body: bytes
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A header by name, ignoring case as HTTP does."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


class Carrier(Protocol):
    """A label provider. Every method raises only `creatorflow.shipping.errors.ShippingError`s."""

    @property
    def provider(self) -> Provider: ...

    async def validate_address(self, address: Address) -> Address:
        """The provider's normalised address; `InvalidAddressError` if it cannot be delivered to."""
        ...

    async def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        """Create the provider-side shipment and return its rates (all on the same `shipment_id`)."""
        ...

    async def buy_label(self, purchase: PurchaseRequest) -> Label:
        """Return the label for `purchase.rate`, buying it only if no purchase exists yet."""
        ...

    async def refund_label(self, label: Label) -> LabelRefund: ...

    async def track(self, label: Label) -> Tracking: ...

    def parse_tracking_webhook(self, delivery: WebhookDelivery) -> TrackingUpdate | OtherCarrierEvent:
        """Verify and parse a webhook; `WebhookRejectedError` if forged, its subclass
        `MalformedWebhookError` if verified but unreadable, `OtherCarrierEvent` if not about tracking."""
        ...


# Our `Address` field -> the name both Shippo and EasyPost use on the wire.
_WIRE_NAMES = {
    "name": "name",
    "company": "company",
    "street1": "street1",
    "street2": "street2",
    "city": "city",
    "state": "state",
    "postal_code": "zip",
    "country": "country",
    "phone": "phone",
    "email": "email",
}
_CORRECTABLE = ("street1", "street2", "city", "state", "postal_code", "country")


def wire_address(address: Address) -> dict[str, str]:
    """The address as both providers spell it, without empty fields."""
    fields = address.model_dump()
    return {wire: fields[ours] for ours, wire in _WIRE_NAMES.items() if fields[ours]}


def normalised_address(original: Address, answer: object) -> Address:
    """`original` with the fields the provider's `answer` corrected (e.g. upper-cased, ZIP+4)."""
    corrected = {ours: getattr(answer, _WIRE_NAMES[ours], None) for ours in _CORRECTABLE}
    return original.model_copy(update={ours: value for ours, value in corrected.items() if value})


class WireLocation(BaseModel):
    """A scan location as both providers send it."""

    model_config = ConfigDict(extra="ignore")

    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None

    def describe(self) -> str | None:
        return ", ".join(p for p in (self.city, self.state, self.zip, self.country) if p) or None
