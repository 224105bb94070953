"""The signing vectors of docs/reference/tiktok-shop-api.md §2.3 and §7.1."""

import pytest

from creatorflow.tiktok.signing import sign_request, sign_webhook, signatures_match, string_to_sign

SECRET = "e59af819cc"
BASE = {"app_key": "29a39d", "timestamp": "1623812664"}


@pytest.mark.parametrize(
    ("secret", "path", "query", "body", "expected"),
    [
        pytest.param(
            SECRET,
            "/authorization/202309/shops",
            BASE,
            b"",
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
            id="1-official-get-shops",
        ),
        pytest.param(
            "app_secret",
            "/test-api",
            {"foo": "bar"},
            b"",
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
            id="2-php-sdk",
        ),
        pytest.param(
            SECRET,
            "/event/202309/webhooks",
            {**BASE, "shop_cipher": "ROW_TEST"},
            b'{"address":"https://example.com/webhook","event_type":"ORDER_STATUS_CHANGE"}',
            "e81b8af3df27c7caa89fef7115346fd3cd9af15e4946c264472fb5f5c6f058c2",
            id="3-put-with-body",
        ),
        pytest.param(
            SECRET,
            "/order/202309/orders",
            {**BASE, "ids": "576486316948490001,576486316948490002", "shop_cipher": "ROW_TEST"},
            b"",
            "832fdb16bc892c673371550afb9a9c577e4dcc1381a682c11cdcae096d29a1ee",
            id="4-comma-separated-ids",
        ),
        pytest.param(
            SECRET,
            "/order/202309/orders/search",
            {
                **BASE,
                "page_size": "50",
                "shop_cipher": "ROW_TEST",
                "sort_field": "update_time",
                "sort_order": "ASC",
            },
            b'{"order_status":"AWAITING_SHIPMENT","update_time_ge":1623800000}',
            "a293068fb92bff258b03c9065eaea7ee28acd1c9ee12c636e1990526089a01db",
            id="5-post-search",
        ),
    ],
)
def test_request_signature_vectors(
    secret: str, path: str, query: dict[str, str], body: bytes, expected: str
) -> None:
    assert sign_request(secret, path, query, body) == expected


def test_sign_and_access_token_are_not_signed() -> None:
    with_extras = {**BASE, "sign": "whatever", "access_token": "TTP_x"}
    assert sign_request(SECRET, "/authorization/202309/shops", with_extras) == sign_request(
        SECRET, "/authorization/202309/shops", BASE
    )


def test_official_string_to_sign() -> None:
    assert (
        string_to_sign("/authorization/202309/shops", BASE, b"", "application/json")
        == b"/authorization/202309/shopsapp_key29a39dtimestamp1623812664"
    )


def test_multipart_body_is_not_signed() -> None:
    query = {**BASE, "shop_cipher": "ROW_TEST"}
    path = "/fulfillment/202309/images/upload"
    multipart = "multipart/form-data; boundary=xyz"
    assert sign_request(SECRET, path, query, b"--xyz binary", multipart) == sign_request(SECRET, path, query)


@pytest.mark.parametrize(
    ("app_key", "secret", "body", "expected"),
    [
        pytest.param(
            "abcdef",
            "123",
            b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
            b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
            b'"order_status":"UNPAID","update_time":1718305585}}',
            "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05",
            id="official",
        ),
        pytest.param(
            "fake_app_key",
            "fake_app_secret",
            b'{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":'
            b'"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}',
            "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27",
            id="php-sdk",
        ),
    ],
)
def test_webhook_signature_vectors(app_key: str, secret: str, body: bytes, expected: str) -> None:
    assert sign_webhook(app_key, secret, body) == expected
    assert signatures_match(expected, expected)
    assert not signatures_match(expected, expected[:-1] + "0")
    assert not signatures_match(expected, None)
