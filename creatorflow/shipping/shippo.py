"""Shippo, on the official SDK pinned to 3.9.0 (synchronous `requests` + dataclasses-json models).

What the SDK does not do, this adapter does (docs/reference/shipping.md §1.1, §3, §6):
- a request timeout, through an injected `requests.Session` (the SDK sends with none at all);
- the API version header, pinned from settings;
- `async_=False` on purchases, so the answer carries the label instead of a QUEUED placeholder;
- idempotent buying: `GET /transactions?rate=` before `POST /transactions`;
- reading transactions and tracks from the raw body into our own lenient models (`shippo_answers`),
  because the SDK's models refuse the shapes the live API sends (no `created_by`, no `messages`);
- one typed error per failure, instead of one `SDKError` for every HTTP status.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import requests
import shippo
from pydantic import BaseModel, ValidationError
from shippo.models import components, errors, operations

from creatorflow.config import ShippoSettings
from creatorflow.domain import (
    Address,
    Label,
    LabelRefund,
    OtherCarrierEvent,
    Parcel,
    Rate,
    RefundStatus,
    Tracking,
    TrackingUpdate,
)
from creatorflow.shipping.base import (
    PurchaseRequest,
    ShipmentRequest,
    WebhookDelivery,
    normalised_address,
    wire_address,
)
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    InvalidAddressError,
    MalformedWebhookError,
    NonRetryableShippingError,
    PurchaseRejectedError,
    RetryableShippingError,
    WebhookRejectedError,
    error_for_status,
    transport_error,
    unreadable_response,
)
from creatorflow.shipping.shippo_answers import (
    PROVIDER,
    ShippoEvent,
    ShippoTrack,
    ShippoTrackWebhook,
    ShippoTransaction,
    ShippoTransactionPage,
)
from creatorflow.shipping.threads import PerThreadClient

ResultT = TypeVar("ResultT")
AnswerT = TypeVar("AnswerT", bound=BaseModel)

LABEL_FILE_TYPE = components.LabelFileTypeEnum.PDF_4X6
_REFUND_STATUS = {
    "QUEUED": RefundStatus.SUBMITTED,
    "PENDING": RefundStatus.SUBMITTED,
    "SUCCESS": RefundStatus.REFUNDED,
    "ERROR": RefundStatus.REJECTED,
}


class SdkSession(requests.Session):
    """The session under the SDK. Shippo 3.9 calls `session.send(request)` with no timeout, so this one
    supplies it; and it keeps the last answer, whose raw body we read where the SDK's model cannot."""

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__()
        self.timeout_seconds = timeout_seconds
        self.last_answer: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_seconds)
        self.last_answer = super().send(request, **kwargs)
        return self.last_answer


@dataclass
class _Client:
    """One thread's SDK, and the session it sends through."""

    sdk: Any
    session: SdkSession

    def read(self, call: Callable[[Any], object], model: type[AnswerT]) -> AnswerT:
        """`call(sdk)` for its request, status check and errors; its answer read into `model` from the raw
        body, whether or not the SDK's own model of it parsed (`shippo_answers` says why it may not)."""
        self.session.last_answer = None
        try:
            call(self.sdk)
        except (KeyError, ValueError, AttributeError):  # dataclasses-json refusing the answer's shape
            if self.session.last_answer is None:  # failed before sending: not about the answer at all
                raise
        answer = self.session.last_answer
        assert answer is not None, "the SDK returned without sending"
        return model.model_validate_json(answer.content)


@contextmanager
def _shippo_errors(*, buying: bool = False) -> Iterator[None]:
    """Translate whatever one SDK call raises; only SDK calls go inside, so our own bugs stay raw."""
    try:
        yield
    except errors.SDKError as error:
        if error.status_code < 400:  # a 2xx the SDK did not expect, or a non-JSON body
            raise unreadable_response(PROVIDER, str(error), buying=buying) from error
        message = f"Shippo answered HTTP {error.status_code}: {error.body[:300]}"
        raise error_for_status(PROVIDER, error.status_code, message, buying=buying) from error
    except requests.RequestException as error:
        raise transport_error(PROVIDER, error, buying=buying) from error
    except (KeyError, ValueError, AttributeError) as error:  # dataclasses-json parse failures (§2.1)
        raise unreadable_response(PROVIDER, repr(error), buying=buying) from error


class ShippoCarrier:
    provider = PROVIDER

    def __init__(self, settings: ShippoSettings) -> None:
        self.settings = settings
        self._clients = PerThreadClient(self._new_client, name=PROVIDER.value)

    def _new_client(self) -> _Client:
        session = SdkSession(self.settings.timeout_seconds)
        sdk = shippo.Shippo(
            api_key_header=self.settings.api_key.get_secret_value(),
            shippo_api_version=self.settings.api_version,
            server_url=self.settings.base_url,
            client=session,
        )
        return _Client(sdk, session)

    async def _run(self, operation: Callable[[_Client], ResultT]) -> ResultT:
        """`operation(client)` in a worker thread, with its SDK errors translated."""

        def guarded(client: _Client) -> ResultT:
            with _shippo_errors():
                return operation(client)

        return await self._clients.run(guarded)

    async def validate_address(self, address: Address) -> Address:
        request = components.AddressCreateRequest(**wire_address(address), validate=True)
        answer = await self._run(lambda client: client.sdk.addresses.create(request))
        results = answer.validation_results
        if results is not None and results.is_valid is False:
            problems = [m.text or m.code or "invalid" for m in results.messages or []]
            raise InvalidAddressError(problems or ["address not found"], provider=PROVIDER)
        return normalised_address(address, answer)

    async def quote(self, shipment: ShipmentRequest) -> list[Rate]:
        request = components.ShipmentCreateRequest(
            address_from=components.AddressCreateRequest(**wire_address(shipment.from_address)),
            address_to=components.AddressCreateRequest(**wire_address(shipment.to_address)),
            parcels=[_parcel_request(shipment.parcel)],
            metadata=shipment.reference,
            async_=False,
        )
        answer = await self._run(lambda client: client.sdk.shipments.create(request))
        if answer.status != components.ShipmentStatus.SUCCESS:
            # ERROR is final; QUEUED/WAITING mean the rates are not ready yet, so asking again may work.
            failed = answer.status == components.ShipmentStatus.ERROR
            kind = NonRetryableShippingError if failed else RetryableShippingError
            messages = "; ".join(m.text or "" for m in answer.messages or [])
            raise kind(f"shipment {answer.object_id} is {answer.status.value}: {messages}", provider=PROVIDER)
        return [
            Rate(
                provider=PROVIDER,
                rate_id=rate.object_id,
                shipment_id=answer.object_id,
                carrier=rate.provider,
                service=rate.servicelevel.token or rate.servicelevel.name or "",
                amount=Decimal(rate.amount),
                currency=rate.currency,
                delivery_days=rate.estimated_days,
            )
            for rate in answer.rates
        ]

    async def buy_label(self, purchase: PurchaseRequest) -> Label:
        transaction = await self._run(lambda client: _find_or_buy(client, purchase))
        if transaction.status == "ERROR":
            detail = "; ".join(message.describe() for message in transaction.messages)
            raise PurchaseRejectedError(f"label refused: {detail}", provider=PROVIDER)
        if transaction.status != "SUCCESS":
            # Bought but not ready: the retry finds this transaction and looks again.
            pending = f"label {transaction.object_id} is still {transaction.status or 'unknown'}"
            raise AmbiguousPurchaseError(pending, provider=PROVIDER)
        if not (transaction.tracking_number and transaction.label_url):
            # Sold, but without what we need: the retry finds this transaction rather than buying again.
            detail = f"transaction {transaction.object_id} has no label"
            raise unreadable_response(PROVIDER, detail, buying=True)
        return Label(
            rate=purchase.rate,
            label_id=transaction.object_id,
            tracking_number=transaction.tracking_number,
            label_url=transaction.label_url,
            idempotency_key=purchase.idempotency_key,
            explanation=purchase.explanation,
        )

    async def refund_label(self, label: Label) -> LabelRefund:
        answer = await self._run(
            lambda client: client.sdk.refunds.create(transaction=label.label_id, async_=False)
        )
        status = _REFUND_STATUS.get(answer.status.value if answer.status else "", RefundStatus.SUBMITTED)
        return LabelRefund(provider=PROVIDER, label_id=label.label_id, status=status)

    async def track(self, label: Label) -> Tracking:
        carrier_token = label.rate.carrier.lower()
        track = await self._run(
            lambda client: client.read(
                lambda sdk: sdk.tracking_status.get(label.tracking_number, carrier_token), ShippoTrack
            )
        )
        return track.tracking()

    def parse_tracking_webhook(self, delivery: WebhookDelivery) -> TrackingUpdate | OtherCarrierEvent:
        """Shippo webhooks carry no signature we can check; the URL holds a secret `?token=` instead."""
        expected = self.settings.webhook_token.get_secret_value().encode()
        if not hmac.compare_digest(delivery.query.get("token", "").encode(), expected):
            raise WebhookRejectedError("webhook token is missing or wrong", provider=PROVIDER)
        try:
            event = ShippoEvent.model_validate_json(delivery.body).event
            if event != "track_updated":
                return OtherCarrierEvent(event_type=event)
            payload = ShippoTrackWebhook.model_validate_json(delivery.body)
        except ValidationError as error:
            raise MalformedWebhookError(f"not a tracking webhook: {error}", provider=PROVIDER) from error
        tracking = payload.data.tracking()
        latest = tracking.events[-1].occurred_at.isoformat() if tracking.events else ""
        event_id = f"shippo:{tracking.tracking_number}:{tracking.status}:{latest}"
        return TrackingUpdate(event_id=event_id, tracking=tracking)


def _parcel_request(parcel: Parcel) -> Any:
    return components.ParcelCreateRequest(
        mass_unit=components.WeightUnitEnum.OZ,
        weight=str(parcel.weight_oz),
        distance_unit=components.DistanceUnitEnum.IN,
        length=str(parcel.length_in),
        width=str(parcel.width_in),
        height=str(parcel.height_in),
    )


def _find_or_buy(client: _Client, purchase: PurchaseRequest) -> ShippoTransaction:
    """The transaction already bought for this rate, else a new one (docs/reference/shipping.md §3)."""
    rate_id = purchase.rate.rate_id
    listing = operations.ListTransactionsRequest(rate=rate_id)
    found = client.read(lambda sdk: sdk.transactions.list(listing), ShippoTransactionPage)
    bought = next((transaction for transaction in found.results if transaction.is_purchase_of(rate_id)), None)
    if bought is not None:
        return bought
    request = components.TransactionCreateRequest(
        rate=rate_id,
        async_=False,
        label_file_type=LABEL_FILE_TYPE,
        metadata=purchase.idempotency_key,
    )
    with _shippo_errors(buying=True):
        return client.read(lambda sdk: sdk.transactions.create(request), ShippoTransaction)
