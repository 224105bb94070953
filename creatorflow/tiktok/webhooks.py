"""Verifying and parsing TikTok Shop webhooks (docs/reference/tiktok-shop-api.md §7 and §8).

`verify_signature` checks the `Authorization` header in constant time; `parse_event` turns the raw body
into a `WebhookEvent` whose `data` is typed for the topics we act on (1, 3, 4, 5, 6, 7, 11, 12). Other
topics are kept as `UnknownEventData` with every field, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creatorflow.tiktok.signing import sign_webhook, signatures_match


class WebhookSignatureError(Exception):
    """The `Authorization` header is missing or does not match: answer 401, act on nothing."""


class WebhookPayloadError(ValueError):
    """The body is not a TikTok webhook envelope: answer 400 and keep the body for inspection."""


# Unix seconds that a datetime can hold (up to 9999-12-31T23:59:59Z). The API turns the push time and an
# authorization's expiry into datetimes, so a body with one beyond is malformed (400), not a crash (500).
UnixTime = Annotated[int, Field(ge=0, le=253_402_300_799)]


class WebhookType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    REVERSE_STATUS_UPDATE = 2
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12
    PRODUCT_INFORMATION_CHANGE = 15
    PRODUCT_CREATION = 16


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class OrderStatusChange(_Data):
    order_id: str
    order_status: str
    is_on_hold_order: bool = False
    update_time: int

    @field_validator("order_status")
    @classmethod
    def _one_spelling_for_cancelled(cls, value: str) -> str:
        # The topic page writes CANCEL, the order API CANCELLED; accept both, keep one.
        return "CANCELLED" if value == "CANCEL" else value


class RecipientAddressUpdate(_Data):
    order_id: str
    update_time: int


class PackageChange(_Data):
    package_id: str
    order_id_list: list[str] = Field(default_factory=list)


class PackageUpdate(_Data):
    sc_type: str = ""
    role_type: str = ""
    package_list: list[PackageChange] = Field(default_factory=list)
    update_time: int = 0


class ProductStatusChange(_Data):
    product_id: str
    status: str = ""
    suspended_reason: str = ""
    update_time: int = 0


class SellerDeauthorization(_Data):
    message: str = ""


class UpcomingAuthorizationExpiration(_Data):
    message: str = ""
    expiration_time: UnixTime  # sent as a string in TikTok's example; pydantic converts it


class CancellationStatusChange(_Data):
    order_id: str
    cancel_id: str = ""
    cancellations_role: str = ""
    cancel_status: str
    create_time: int = 0
    update_time: int = 0


class ReturnStatusChange(_Data):
    order_id: str
    return_id: str
    return_role: str = ""
    return_type: str = ""
    return_status: str
    create_time: int = 0
    update_time: int = 0


class UnknownEventData(BaseModel):
    """Any other topic, with every field kept as sent."""

    model_config = ConfigDict(extra="allow", frozen=True)


WebhookData = (
    OrderStatusChange
    | RecipientAddressUpdate
    | PackageUpdate
    | ProductStatusChange
    | SellerDeauthorization
    | UpcomingAuthorizationExpiration
    | CancellationStatusChange
    | ReturnStatusChange
    | UnknownEventData
)

DATA_MODELS: dict[int, type[BaseModel]] = {
    WebhookType.ORDER_STATUS_CHANGE: OrderStatusChange,
    WebhookType.RECIPIENT_ADDRESS_UPDATE: RecipientAddressUpdate,
    WebhookType.PACKAGE_UPDATE: PackageUpdate,
    WebhookType.PRODUCT_STATUS_CHANGE: ProductStatusChange,
    WebhookType.SELLER_DEAUTHORIZATION: SellerDeauthorization,
    WebhookType.UPCOMING_AUTHORIZATION_EXPIRATION: UpcomingAuthorizationExpiration,
    WebhookType.CANCELLATION_STATUS_CHANGE: CancellationStatusChange,
    WebhookType.RETURN_STATUS_CHANGE: ReturnStatusChange,
}


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    type: int
    tts_notification_id: str | None = None
    shop_id: str
    timestamp: UnixTime  # when TikTok pushed it, not when the event happened
    data: dict[str, Any] = Field(default_factory=dict)


class WebhookEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: int
    tts_notification_id: str | None
    shop_id: str
    timestamp: int
    data: WebhookData
    dedup_key: str

    @property
    def known_type(self) -> WebhookType | None:
        try:
            return WebhookType(self.type)
        except ValueError:
            return None

    @property
    def type_name(self) -> str:
        """The topic's name (ORDER_STATUS_CHANGE), or TikTok's number for a topic we do not know."""
        known = self.known_type
        return known.name if known else str(self.type)


def verify_signature(app_key: str, app_secret: str, body: bytes, authorization: str | None) -> None:
    if not signatures_match(sign_webhook(app_key, app_secret, body), authorization):
        raise WebhookSignatureError("webhook signature does not match")


def parse_event(body: bytes) -> WebhookEvent:
    """The typed event, or `WebhookPayloadError` saying what is wrong with the body."""
    try:
        envelope = _Envelope.model_validate_json(body)
        data_model = DATA_MODELS.get(envelope.type, UnknownEventData)
        data = data_model.model_validate(envelope.data)
    except (ValidationError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebhookPayloadError(f"not a TikTok webhook: {exc}") from exc
    return WebhookEvent(
        type=envelope.type,
        tts_notification_id=envelope.tts_notification_id,
        shop_id=envelope.shop_id,
        timestamp=envelope.timestamp,
        data=data,
        dedup_key=dedup_key(envelope.type, envelope.shop_id, envelope.tts_notification_id, body),
    )


def verify_and_parse(app_key: str, app_secret: str, body: bytes, authorization: str | None) -> WebhookEvent:
    """Signature first: an unsigned body is never parsed."""
    verify_signature(app_key, app_secret, body, authorization)
    return parse_event(body)


def dedup_key(type_: int, shop_id: str, notification_id: str | None, body: bytes) -> str:
    """`(type, shop, notification id)` when TikTok sends an id, else a hash of the exact body."""
    if notification_id:
        return f"tts:{type_}:{shop_id}:{notification_id}"
    return "sha256:" + hashlib.sha256(body).hexdigest()
