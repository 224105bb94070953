"""Every failure the SDKs raise arrives as one typed error an activity can map to a retry decision."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr
from shipping_helpers import BUYER, FAULT_HANG, SDK_TIMEOUT, Emulator, shipment_to

from creatorflow.config import EasyPostSettings, ShippoSettings
from creatorflow.domain import Provider
from creatorflow.shipping.base import Carrier, PurchaseRequest
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    NonRetryableShippingError,
    RateLimitedError,
    RetryableShippingError,
)
from creatorflow.shipping.shippo import ShippoCarrier
from emulators.faults import FaultRule
from starter.serving import bind_socket

QUOTE_PATHS = {Provider.SHIPPO: "/shipments", Provider.EASYPOST: "/v2/shipments"}


@pytest.fixture
def both(
    shippo: ShippoCarrier, easypost: EasyPostCarrier, shippo_emulator: Emulator, easypost_emulator: Emulator
) -> list[tuple[Carrier, Emulator]]:
    return [(shippo, shippo_emulator), (easypost, easypost_emulator)]


async def test_429_is_rate_limited_and_retryable(both: list[tuple[Carrier, Emulator]]) -> None:
    for carrier, emulator in both:
        emulator.fail(FaultRule(path=QUOTE_PATHS[carrier.provider], error_rate=1.0, kinds=["429"]))
        with pytest.raises(RateLimitedError) as raised:
            await carrier.quote(shipment_to(BUYER))
        assert raised.value.retryable and not raised.value.ambiguous
        assert (raised.value.provider, raised.value.http_status) == (carrier.provider, 429)


async def test_a_hung_request_times_out_on_our_clock_and_is_retryable(
    both: list[tuple[Carrier, Emulator]],
) -> None:
    for carrier, emulator in both:
        emulator.fail(FaultRule(path=QUOTE_PATHS[carrier.provider], error_rate=1.0, kinds=["timeout"]))
        started = time.monotonic()
        with pytest.raises(RetryableShippingError) as raised:
            await carrier.quote(shipment_to(BUYER))
        assert time.monotonic() - started < FAULT_HANG, "the SDK waited for the server instead of timing out"
        assert not raised.value.ambiguous  # a quote buys nothing
        assert raised.value.http_status is None


async def test_server_errors_are_retryable_and_ambiguous_only_when_buying(
    both: list[tuple[Carrier, Emulator]],
) -> None:
    for carrier, emulator in both:
        rates = await carrier.quote(shipment_to(BUYER))
        emulator.fail(FaultRule(path="*", method="POST", error_rate=1.0, kinds=["5xx"]))
        with pytest.raises(RetryableShippingError) as quoting:
            await carrier.quote(shipment_to(BUYER))
        with pytest.raises(AmbiguousPurchaseError) as buying:
            await carrier.buy_label(PurchaseRequest(rate=rates[0], idempotency_key="order-1"))
        assert not quoting.value.ambiguous and buying.value.ambiguous
        assert quoting.value.http_status == buying.value.http_status == 503


async def test_an_unreachable_provider_is_retryable(unreachable_url: str) -> None:
    carriers: list[Carrier] = [
        ShippoCarrier(ShippoSettings(base_url=unreachable_url, timeout_seconds=SDK_TIMEOUT)),
        EasyPostCarrier(EasyPostSettings(base_url=f"{unreachable_url}/v2", timeout_seconds=SDK_TIMEOUT)),
    ]
    for carrier in carriers:
        with pytest.raises(RetryableShippingError, match=r"^(ConnectionError|HttpError): "):
            await carrier.quote(shipment_to(BUYER))


async def test_a_wrong_api_key_or_version_is_not_retryable(
    shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    wrong_key = EasyPostCarrier(
        EasyPostSettings(base_url=f"{easypost_emulator.url}/v2", api_key=SecretStr("EZTK_x"))
    )
    with pytest.raises(NonRetryableShippingError) as raised:
        await wrong_key.quote(shipment_to(BUYER))
    assert (raised.value.http_status, raised.value.code) == (401, "UNAUTHORIZED")

    wrong_version = ShippoCarrier(ShippoSettings(base_url=shippo_emulator.url, api_version="2017-03-29"))
    with pytest.raises(NonRetryableShippingError, match="requested version is not available") as raised:
        await wrong_version.quote(shipment_to(BUYER))
    assert raised.value.http_status == 400


@pytest.fixture
def unreachable_url() -> str:
    """A loopback port nobody listens on."""
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def test_an_easypost_base_url_without_v2_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="must end in /v2"):
        EasyPostCarrier(EasyPostSettings(base_url="https://api.easypost.com"))
    assert EasyPostCarrier(EasyPostSettings(base_url="https://api.easypost.com/v2/")).api_base.endswith("/v2")
