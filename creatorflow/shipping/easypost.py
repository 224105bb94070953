"""EasyPost, on the official SDK (`easypost` 10.x, synchronous, schemaless objects).

The SDK parses any JSON into attribute bags, so every answer is validated into the small pydantic models
below before use. Purchases are idempotent because EasyPost sells one postage label per shipment
(docs/reference/shipping.md §3): look at the shipment first, buy only if it has no label, and on
`SHIPMENT.POSTAGE.EXISTS` read the shipment again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, Self, TypeVar

import easypost
from easypost.easypost_object import EasyPostObject
from easypost.errors import ApiError, HttpError, JsonError, SignatureVerificationError
from easypost.errors import TimeoutError as EasyPostTimeoutError
from pydantic import BaseModel, ConfigDict, ValidationError

from creatorflow.config import EasyPostSettings
from creatorflow.domain import (
    Address,
    Label,
    LabelRefund,
    OtherCarrierEvent,
    Provider,
    Rate,
    RefundStatus,
    Tracking,
    TrackingEvent,
    TrackingStatus,
    TrackingUpdate,
)
from creatorflow.shipping.base import (
    PurchaseRequest,
    ShipmentRequest,
    WebhookDelivery,
    WireLocation,
    normalised_address,
    wire_address,
)
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    InvalidAddressError,
    MalformedWebhookError,
    ShippingError,
    WebhookRejectedError,
    error_for_status,
    transport_error,
    unreadable_response,
)
from creatorflow.shipping.threads import PerThreadClient

ResultT = TypeVar("ResultT")

PROVIDER = Provider.EASYPOST
POSTAGE_EXISTS = "SHIPMENT.POSTAGE.EXISTS"
SIGNATURE_HEADER = "X-Hmac-Signature"
# Codes other integrations treat as "the purchase may still complete" (docs/reference/shipping.md §3).
_OUTCOME_UNKNOWN = frozenset({"SHIPMENT.POSTAGE.TIMED_OUT", "SHIPMENT.PURCHASE.IN_PROGRESS", "NO_RESPONSE"})
_TRACKING_STATUS = {
    "unknown": TrackingStatus.UNKNOWN,
    "pre_transit": TrackingStatus.PRE_TRANSIT,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "available_for_pickup": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED,
    "failure": TrackingStatus.FAILURE,
    "cancelled": TrackingStatus.FAILURE,
    "error": TrackingStatus.FAILURE,
}
_REFUND_STATUS = {
    "submitted": RefundStatus.SUBMITTED,
    "refunded": RefundStatus.REFUNDED,
    "rejected": RefundStatus.REJECTED,
}


@contextmanager
def _easypost_errors(*, buying: bool = False) -> Iterator[None]:
    """Translate what one SDK call (and the parse of its answer) raises into a `ShippingError`."""
    try:
        yield
    except (EasyPostTimeoutError, HttpError, JsonError) as error:
        # Client timeouts, dropped connections, and non-JSON answers (a proxy's error page): transient (§6).
        raise transport_error(PROVIDER, error, buying=buying) from error
    except ApiError as error:
        if buying and error.code in _OUTCOME_UNKNOWN:
            raise AmbiguousPurchaseError(error.message, provider=PROVIDER, code=error.code) from error
        status = error.http_status or 500
        raise error_for_status(PROVIDER, status, error.message, code=error.code, buying=buying) from error
    except ValidationError as error:
        raise unreadable_response(PROVIDER, str(error), buying=buying) from error


class EasyPostCarrier:
    provider = PROVIDER

    def __init__(self, settings: EasyPostSettings) -> None:
        # The SDK appends paths to api_base as is, and mounts its connect-retry adapter on what precedes /v2.
        self.api_base = settings.base_url.rstrip("/")
        if not self.api_base.endswith("/v2"):
            raise ValueError(
                f"EasyPost base_url must end in /v2, like https://api.easypost.com/v2: {self.api_base}"
            )
        self.settings = settings
        self._clients = PerThreadClient(self._new_client, name=PROVIDER.value)

    def _new_client(self) -> easypost.EasyPostClient:
        return easypost.EasyPostClient(
            self.settings.api_key.get_secret_value(),
            api_base=self.api_base,
            # requests takes float seconds; the SDK's annotation says int.
            timeout=self.settings.timeout_seconds,  # type: ignore[arg-type]
        )

    async def _run(self, operation: Callable[[easypost.EasyPostClient], ResultT]) -> ResultT:
        """`operation(client)` in a worker thread, with its SDK errors translated."""

        def guarded(client: easypost.EasyPostClient) -> ResultT:
            with _easypost_errors():
                return operation(client)

        return await self._clients.run(guarded)

    async def validate_address(self, address: Address) -> Address:
        fields: dict[str, Any] = wire_address(address)
        answer = await self._run(lambda client: _Address.parse(client.address.create(verify=True, **fields)))
        delivery = answer.verifications.delivery if answer.verifications else None
        if delivery is not None and not delivery.success:
            problems = [f"{e.field}: {e.message}" if e.field else e.message for e in delivery.errors]
            raise InvalidAddressError(problems or ["address not found"], provider=PROVIDER)
        return normalised_address(address, answer)

    async def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        parcel = shipment.parcel
        params = {
            "from_address": wire_address(shipment.from_address),
            "to_address": wire_address(shipment.to_address),
            "parcel": {
                "length": float(parcel.length_in),
                "width": float(parcel.width_in),
                "height": float(parcel.height_in),
                "weight": float(parcel.weight_oz),
            },
            "reference": shipment.reference,
        }
        answer = await self._run(lambda client: _Shipment.parse(client.shipment.create(**params)))
        return [rate.to_rate() for rate in answer.rates]

    async def buy_label(self, purchase: PurchaseRequest) -> Label:
        shipment = await self._run(lambda client: _find_or_buy(client, purchase))
        if shipment.postage_label is None or shipment.selected_rate is None or not shipment.tracking_code:
            # The buy answered without what we need: the retry reads the shipment again before buying.
            detail = f"shipment {shipment.id} was bought but has no label"
            raise unreadable_response(PROVIDER, detail, buying=True)
        return Label(
            rate=shipment.selected_rate.to_rate(),
            label_id=shipment.postage_label.id,
            tracking_number=shipment.tracking_code,
            label_url=shipment.postage_label.label_url,
            idempotency_key=purchase.idempotency_key,
            explanation=purchase.explanation,
        )

    async def refund_label(self, label: Label) -> LabelRefund:
        shipment_id = label.rate.shipment_id
        answer = await self._run(lambda client: _Shipment.parse(client.shipment.refund(shipment_id)))
        status = _REFUND_STATUS.get(answer.refund_status or "", RefundStatus.SUBMITTED)
        return LabelRefund(provider=PROVIDER, label_id=label.label_id, status=status)

    async def track(self, label: Label) -> Tracking:
        shipment_id = label.rate.shipment_id
        answer = await self._run(lambda client: _Shipment.parse(client.shipment.retrieve(shipment_id)))
        if answer.tracker is None:
            raise unreadable_response(PROVIDER, f"shipment {shipment_id} has no tracker")
        return answer.tracker.tracking()

    def parse_tracking_webhook(self, delivery: WebhookDelivery) -> TrackingUpdate | OtherCarrierEvent:
        """Checked by the SDK's own `validate_webhook`: HMAC-SHA256 of the raw body in `X-Hmac-Signature`."""
        secret = self.settings.webhook_secret.get_secret_value()
        # The SDK looks the header up case-sensitively, HTTP does not: hand it over under its exact name.
        signature = delivery.header(SIGNATURE_HEADER)
        headers = {SIGNATURE_HEADER: signature} if signature else {}
        try:
            easypost.validate_webhook(delivery.body, headers, secret)
            # Read by pydantic, as every other webhook is, not from the SDK's json.loads: that one lets lone
            # surrogates ("\ud800") through, which no database stores.
            description = _Event.model_validate_json(delivery.body).description
            if description != "tracker.updated":
                return OtherCarrierEvent(event_type=description)
            event = _TrackerEvent.model_validate_json(delivery.body)
        except SignatureVerificationError as error:
            reason = f"signature check failed: {error.message}"
            raise WebhookRejectedError(reason, provider=PROVIDER) from error
        except (ValueError, RecursionError) as error:  # the SDK's json.loads failing, or pydantic's check
            raise MalformedWebhookError(f"not a tracker event: {error}", provider=PROVIDER) from error
        return TrackingUpdate(event_id=event.id, tracking=event.result.tracking())


def _find_or_buy(client: easypost.EasyPostClient, purchase: PurchaseRequest) -> _Shipment:
    """The shipment with its label: bought now, or found already bought (docs/reference/shipping.md §3).

    A shipment holds one label, so a label found on it is *the* label, even if bought for another rate.
    """
    shipment_id = purchase.rate.shipment_id
    shipment = _Shipment.parse(client.shipment.retrieve(shipment_id))
    if shipment.postage_label is not None:
        return shipment
    rate = {"id": purchase.rate.rate_id}
    try:
        with _easypost_errors(buying=True):
            return _Shipment.parse(client.shipment.buy(shipment_id, rate=rate))
    except ShippingError as error:
        if error.code != POSTAGE_EXISTS:  # else a concurrent attempt bought it between our look and buy
            raise
    return _Shipment.parse(client.shipment.retrieve(shipment_id))


# The parts of EasyPost's objects we read; anything else in an answer is ignored.


class _EasyPostModel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def parse(cls, answer: EasyPostObject) -> Self:
        return cls.model_validate(answer.to_dict())


class _FieldError(_EasyPostModel):
    field: str | None = None
    message: str


class _DeliveryCheck(_EasyPostModel):
    success: bool
    errors: list[_FieldError] = []


class _Verifications(_EasyPostModel):
    delivery: _DeliveryCheck | None = None


class _Address(_EasyPostModel):
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    verifications: _Verifications | None = None


class _Rate(_EasyPostModel):
    id: str
    shipment_id: str
    carrier: str
    service: str
    rate: Decimal
    currency: str
    delivery_days: int | None = None

    def to_rate(self) -> Rate:
        return Rate(
            provider=PROVIDER,
            rate_id=self.id,
            shipment_id=self.shipment_id,
            carrier=self.carrier,
            service=self.service,
            amount=self.rate,
            currency=self.currency,
            delivery_days=self.delivery_days,
        )


class _PostageLabel(_EasyPostModel):
    id: str
    label_url: str


class _TrackingDetail(_EasyPostModel):
    status: str
    message: str | None = None
    datetime: datetime
    tracking_location: WireLocation | None = None

    def event(self) -> TrackingEvent:
        return TrackingEvent(
            status=_TRACKING_STATUS.get(self.status, TrackingStatus.UNKNOWN),
            detail=self.message or self.status,
            occurred_at=self.datetime,
            location=self.tracking_location.describe() if self.tracking_location else None,
        )


class _Tracker(_EasyPostModel):
    tracking_code: str
    carrier: str
    status: str
    shipment_id: str | None = None
    tracking_details: list[_TrackingDetail] = []

    def tracking(self) -> Tracking:
        return Tracking(
            provider=PROVIDER,
            carrier=self.carrier,
            tracking_number=self.tracking_code,
            status=_TRACKING_STATUS.get(self.status, TrackingStatus.UNKNOWN),
            events=[detail.event() for detail in self.tracking_details],
            shipment_id=self.shipment_id,
        )


class _Shipment(_EasyPostModel):
    id: str
    rates: list[_Rate] = []
    selected_rate: _Rate | None = None
    postage_label: _PostageLabel | None = None
    tracking_code: str | None = None
    tracker: _Tracker | None = None
    refund_status: str | None = None


class _Event(_EasyPostModel):
    id: str
    description: str


class _TrackerEvent(_Event):
    result: _Tracker
