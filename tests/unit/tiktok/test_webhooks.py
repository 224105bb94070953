"""Webhook verification and parsing (docs/reference/tiktok-shop-api.md §7, §8)."""

import json

import pytest

from creatorflow.tiktok.signing import sign_webhook
from creatorflow.tiktok.webhooks import (
    CancellationStatusChange,
    OrderStatusChange,
    PackageUpdate,
    ProductStatusChange,
    RecipientAddressUpdate,
    ReturnStatusChange,
    SellerDeauthorization,
    UnknownEventData,
    UpcomingAuthorizationExpiration,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookType,
    parse_event,
    verify_and_parse,
)

APP_KEY, SECRET = "abcdef", "123"
OFFICIAL = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)


def envelope(type_: int, data: dict[str, object], notification_id: str | None = "n-1") -> bytes:
    body: dict[str, object] = {"type": type_, "shop_id": "7495540735365777507", "timestamp": 1718305585}
    if notification_id:
        body["tts_notification_id"] = notification_id
    body["data"] = data
    return json.dumps(body).encode()


def test_official_example_verifies_and_parses() -> None:
    event = verify_and_parse(APP_KEY, SECRET, OFFICIAL, sign_webhook(APP_KEY, SECRET, OFFICIAL))
    assert event.known_type is WebhookType.ORDER_STATUS_CHANGE
    assert event.type_name == "ORDER_STATUS_CHANGE"
    assert event.data == OrderStatusChange(
        order_id="576653688135258178", order_status="UNPAID", is_on_hold_order=True, update_time=1718305585
    )
    assert event.dedup_key == "tts:1:7495540735365777507:7380066284010030890"


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "0" * 64,
        sign_webhook(APP_KEY, "wrong-secret", OFFICIAL),
        sign_webhook("other", SECRET, OFFICIAL),
    ],
)
def test_forged_or_missing_signature_is_rejected(signature: str | None) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_and_parse(APP_KEY, SECRET, OFFICIAL, signature)


def test_tampered_body_is_rejected() -> None:
    tampered = OFFICIAL.replace(b"UNPAID", b"AWAITING_SHIPMENT")
    with pytest.raises(WebhookSignatureError):
        verify_and_parse(APP_KEY, SECRET, tampered, sign_webhook(APP_KEY, SECRET, OFFICIAL))


@pytest.mark.parametrize(
    ("type_", "data", "model"),
    [
        (3, {"order_id": "1", "update_time": 5}, RecipientAddressUpdate),
        (
            4,
            {
                "sc_type": "SPLIT",
                "role_type": "ROLE_SELLER",
                "package_list": [{"package_id": "p1", "order_id_list": ["1"]}],
                "update_time": 5,
            },
            PackageUpdate,
        ),
        # Product ids arrive as unquoted numbers in TikTok's own example.
        (
            5,
            {"product_id": 1729582718312380123, "status": "PRODUCT_STATUS_CHANGED", "update_time": 5},
            ProductStatusChange,
        ),
        (6, {"message": "Shop_id 1 is deauthorized from your APP by merchant."}, SellerDeauthorization),
        (7, {"message": "expiring", "expiration_time": "1719000000"}, UpcomingAuthorizationExpiration),
        (
            11,
            {
                "order_id": "1",
                "cancellations_role": "BUYER",
                "cancel_status": "CANCELLATION_REQUEST_PENDING",
                "cancel_id": "c1",
                "create_time": 5,
            },
            CancellationStatusChange,
        ),
        (
            12,
            {
                "order_id": "1",
                "return_role": "BUYER",
                "return_type": "REFUND",
                "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
                "return_id": "r1",
                "create_time": 5,
                "update_time": 6,
            },
            ReturnStatusChange,
        ),
    ],
)
def test_each_topic_parses_to_its_model(type_: int, data: dict[str, object], model: type) -> None:
    event = parse_event(envelope(type_, data))
    assert isinstance(event.data, model)
    assert event.known_type == WebhookType(type_)


def test_expiration_time_string_becomes_int() -> None:
    event = parse_event(envelope(7, {"message": "m", "expiration_time": "1719000000"}))
    assert isinstance(event.data, UpcomingAuthorizationExpiration)
    assert event.data.expiration_time == 1719000000


@pytest.mark.parametrize("spelling", ["CANCEL", "CANCELLED"])
def test_both_cancel_spellings_mean_cancelled(spelling: str) -> None:
    event = parse_event(envelope(1, {"order_id": "1", "order_status": spelling, "update_time": 1}))
    assert isinstance(event.data, OrderStatusChange)
    assert event.data.order_status == "CANCELLED"


def test_unknown_type_is_kept_with_all_fields() -> None:
    event = parse_event(envelope(36, {"invoice_id": "i1", "status": "DONE"}))
    assert event.known_type is None
    assert event.type_name == "36"
    assert isinstance(event.data, UnknownEventData)
    assert event.data.model_dump() == {"invoice_id": "i1", "status": "DONE"}


def test_without_notification_id_dedup_falls_back_to_body_hash() -> None:
    body = envelope(1, {"order_id": "1", "order_status": "UNPAID", "update_time": 1}, notification_id=None)
    first, again = parse_event(body), parse_event(body)
    assert first.dedup_key.startswith("sha256:")
    assert first.dedup_key == again.dedup_key
    other = envelope(1, {"order_id": "1", "order_status": "ON_HOLD", "update_time": 2}, notification_id=None)
    assert parse_event(other).dedup_key != first.dedup_key


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"type": 1, "shop_id": "1", "timestamp": 1, "data": {"order_status": "UNPAID"}}',
        b'{"type": "one", "shop_id": "1", "timestamp": 1, "data": {}}',
        b"\xff\xfe",
        # Times no datetime holds (the API makes datetimes of both): these once crashed it with a 500.
        b'{"type": 6, "shop_id": "1", "timestamp": 10000000000000000000, "data": {}}',
        b'{"type": 7, "shop_id": "1", "timestamp": 1, "data": {"expiration_time": "-99999999999999"}}',
    ],
)
def test_malformed_bodies_raise_payload_error(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(body)
