"""Quoting both providers over HTTP, and choosing among their rates per policy."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr
from shipping_helpers import BOX, BUYER, NOWHERE, WAREHOUSE, Emulator, order_context, shipment_to

from creatorflow.config import EasyPostSettings, Settings, ShippoSettings
from creatorflow.domain import Address, Parcel, Provider
from creatorflow.shipping.base import ShipmentRequest
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import (
    InvalidAddressError,
    NoEligibleRateError,
    NonRetryableShippingError,
    ProvidersUnavailableError,
)
from creatorflow.shipping.providers import carrier_for, enabled_carriers
from creatorflow.shipping.rules import RuleBook, ShippingRule
from creatorflow.shipping.selection import select_rate
from creatorflow.shipping.shippo import ShippoCarrier
from emulators.faults import FaultRule

TODAY = date(2025, 3, 3)
# Shippo's ids are 32 hex digits; EasyPost's carry a prefix naming the object (tests/fixtures/recorded).
RATE_IDS = {Provider.SHIPPO: re.compile("[0-9a-f]{32}"), Provider.EASYPOST: re.compile("rate_[0-9a-f]{32}")}
SHIPMENT_IDS = {
    Provider.SHIPPO: re.compile("[0-9a-f]{32}"),
    Provider.EASYPOST: re.compile("shp_[0-9a-f]{32}"),
}
NOT_A_PLACE = Address(
    name="Nobody",
    street1="000 unknown street",
    city="Not A City",
    state="ZZ",
    postal_code="00001",
    country="US",
)
EVERYTHING_DOWN = FaultRule(path="*", error_rate=1.0, kinds=["5xx"])


async def test_both_providers_quote_several_carriers_and_services(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    for carrier in (shippo, easypost):
        rates = await carrier.quote(shipment_to(BUYER))
        assert len({rate.carrier for rate in rates}) >= 2
        assert len({rate.delivery_days for rate in rates}) >= 3
        assert len({rate.shipment_id for rate in rates}) == 1
        assert all(rate.provider is carrier.provider for rate in rates)
        assert all(RATE_IDS[carrier.provider].fullmatch(rate.rate_id) for rate in rates)
        assert all(SHIPMENT_IDS[carrier.provider].fullmatch(rate.shipment_id) for rate in rates)
        assert all(rate.amount > 0 and rate.currency == "USD" for rate in rates)


async def test_chooses_the_cheapest_rate_that_arrives_by_the_deadline(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    deliver_by = TODAY + timedelta(days=2)
    selection = await select_rate(
        [shippo, easypost], shipment_to(BUYER), RuleBook(), order_context(TODAY, deliver_by)
    )

    verdicts = selection.explanation.verdicts
    in_time = [v.rate for v in verdicts if v.rate.delivery_days is not None and v.rate.delivery_days <= 2]
    too_slow = [v for v in verdicts if v.rate not in in_time]
    assert {v.rate.provider for v in verdicts} == {Provider.SHIPPO, Provider.EASYPOST}
    assert selection.rate == min(in_time, key=lambda rate: rate.amount)
    assert min(v.rate.amount for v in verdicts) < selection.rate.amount, "a cheaper but slower rate exists"
    assert too_slow and all("after the 2025-03-05 deadline" in (v.rejected_because or "") for v in too_slow)
    assert selection.rate.carrier in selection.explanation.summary


async def test_allow_and_deny_lists_of_carriers_and_services(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    no_usps = RuleBook(rules=(ShippingRule(name="no USPS", deny_carriers=frozenset({"usps"})),))
    selection = await select_rate([shippo, easypost], shipment_to(BUYER), no_usps, order_context(TODAY))
    assert selection.rate.carrier != "USPS"
    denied = [v for v in selection.explanation.verdicts if v.rate.carrier == "USPS"]
    assert denied and all(
        (v.rejected_because or "").endswith("carrier USPS is denied by rule 'no USPS'") for v in denied
    )

    fedex_2day_only = RuleBook(
        rules=(
            ShippingRule(
                name="FedEx 2Day",
                allow_carriers=frozenset({"FedEx"}),
                allow_services=frozenset({"fedex_2_day"}),
            ),
        )
    )
    selection = await select_rate(
        [shippo, easypost], shipment_to(BUYER), fedex_2day_only, order_context(TODAY)
    )
    assert (selection.rate.provider, selection.rate.carrier, selection.rate.service) == (
        Provider.EASYPOST,
        "FedEx",
        "FEDEX_2_DAY",
    )


async def test_falls_back_to_easypost_when_shippo_answers_503_to_everything(
    shippo: ShippoCarrier, easypost: EasyPostCarrier, shippo_emulator: Emulator
) -> None:
    both_up = await select_rate([shippo, easypost], shipment_to(BUYER), RuleBook(), order_context(TODAY))
    assert both_up.rate.provider is Provider.SHIPPO  # its account is cheaper, when it answers

    shippo_emulator.fail(EVERYTHING_DOWN)
    selection = await select_rate([shippo, easypost], shipment_to(BUYER), RuleBook(), order_context(TODAY))

    assert selection.rate.provider is Provider.EASYPOST
    assert {v.rate.provider for v in selection.explanation.verdicts} == {Provider.EASYPOST}
    assert "HTTP 503" in selection.explanation.unavailable[Provider.SHIPPO]
    assert "unavailable: shippo" in selection.explanation.summary


async def test_every_provider_down_is_retryable(
    shippo: ShippoCarrier,
    easypost: EasyPostCarrier,
    shippo_emulator: Emulator,
    easypost_emulator: Emulator,
) -> None:
    shippo_emulator.fail(EVERYTHING_DOWN)
    easypost_emulator.fail(EVERYTHING_DOWN)
    with pytest.raises(ProvidersUnavailableError) as raised:
        await select_rate([shippo, easypost], shipment_to(BUYER), RuleBook(), order_context(TODAY))
    assert raised.value.retryable
    assert set(raised.value.failures) == {Provider.SHIPPO, Provider.EASYPOST}


async def test_no_rate_fits_the_policy_is_not_retryable_and_says_why(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    nobody_ships = RuleBook(rules=(ShippingRule(name="DHL only", allow_carriers=frozenset({"DHL"})),))
    with pytest.raises(NoEligibleRateError) as raised:
        await select_rate([shippo, easypost], shipment_to(BUYER), nobody_ships, order_context(TODAY))
    assert not raised.value.retryable
    assert raised.value.explanation.verdicts
    assert all(
        (v.rejected_because or "").endswith(f"carrier {v.rate.carrier} is not allowed by rule 'DHL only'")
        for v in raised.value.explanation.verdicts
    )


async def test_a_permanent_failure_everywhere_surfaces_as_is(shippo_emulator: Emulator) -> None:
    settings = ShippoSettings(base_url=shippo_emulator.url, api_key=SecretStr("shippo_test_revoked"))
    with pytest.raises(NonRetryableShippingError) as raised:
        await select_rate([ShippoCarrier(settings)], shipment_to(BUYER), RuleBook(), order_context(TODAY))
    assert (raised.value.provider, raised.value.http_status) == (Provider.SHIPPO, 401)


async def test_invalid_address_is_a_clear_non_retryable_error(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    for carrier in (shippo, easypost):
        with pytest.raises(InvalidAddressError) as raised:
            await carrier.validate_address(NOWHERE)
        error = raised.value
        assert not error.retryable and error.provider is carrier.provider
        assert any("House number is missing" in problem for problem in error.problems)
        assert "address is not deliverable" in str(error)
    # Shippo names each faulty field; EasyPost, as recorded, says "not found" and names a missing number.
    with pytest.raises(InvalidAddressError, match="ZIP"):
        await shippo.validate_address(NOWHERE)
    with pytest.raises(InvalidAddressError) as raised:
        await easypost.validate_address(NOWHERE)
    assert raised.value.problems == ["address: Address not found", "street1: House number is missing"]


async def test_an_address_that_cannot_exist_fails_verification(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    """Well formed, but not a place: the address EasyPost's own tests see fail verification."""
    for carrier in (shippo, easypost):
        with pytest.raises(InvalidAddressError, match=r"(?i)address not found|could not be found"):
            await carrier.validate_address(NOT_A_PLACE)
    with pytest.raises(InvalidAddressError) as raised:
        await easypost.validate_address(NOT_A_PLACE)
    assert raised.value.problems == ["address: Address not found"]


async def test_a_good_address_comes_back_normalised(shippo: ShippoCarrier, easypost: EasyPostCarrier) -> None:
    for carrier in (shippo, easypost):
        normalised = await carrier.validate_address(BUYER)
        assert (normalised.street1, normalised.city, normalised.name) == (
            "500 BROADWAY",
            "NEW YORK",
            BUYER.name,
        )


def test_enabled_providers_come_from_settings() -> None:
    both = Settings(shippo=ShippoSettings(), easypost=EasyPostSettings())  # not whatever .env says
    assert [type(c) for c in enabled_carriers(both)] == [ShippoCarrier, EasyPostCarrier]
    easypost_only = Settings(shippo=ShippoSettings(enabled=False), easypost=EasyPostSettings())
    assert [c.provider for c in enabled_carriers(easypost_only)] == [Provider.EASYPOST]
    assert isinstance(carrier_for(Provider.SHIPPO, easypost_only), ShippoCarrier)  # e.g. to refund its labels


@pytest.mark.parametrize("provider", [Provider.SHIPPO, Provider.EASYPOST])
async def test_quotes_price_the_parcel_as_carriers_do_by_weight_size_and_distance(
    provider: Provider, shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    """A wrong parcel shows in the price: the emulators price like real rate tables."""
    carrier = shippo if provider is Provider.SHIPPO else easypost

    async def prices(parcel: Parcel, to: Address = BUYER) -> dict[tuple[str, str], Decimal]:
        request = ShipmentRequest(from_address=WAREHOUSE, to_address=to, parcel=parcel, reference="o")
        return {(rate.carrier, rate.service): rate.amount for rate in await carrier.quote(request)}

    base = await prices(BOX)
    heavier = await prices(BOX.model_copy(update={"weight_oz": Decimal(20 * 8)}))
    nearer = await prices(BOX, BUYER.model_copy(update={"city": "Oakland", "postal_code": "94607"}))
    # A 22 x 16 x 12 in box of pillows, 20 oz: UPS and FedEx bill its size (dimensional weight).
    bulky = await prices(BOX.model_copy(update={"length_in": 22, "width_in": 16, "height_in": 12}))
    assert all(heavier[service] > base[service] for service in base)
    assert all(nearer[service] < base[service] for service in base)
    assert all(bulky[service] > base[service] for service in base if service[0] in ("UPS", "FedEx"))
    # Heavy and far, ground by UPS or FedEx beats USPS Ground Advantage; light, USPS is cheapest.
    cheapest_light = min(base, key=base.__getitem__)
    cheapest_heavy = min(heavier, key=heavier.__getitem__)
    assert cheapest_light[0] == "USPS" and cheapest_heavy[0] in ("UPS", "FedEx")
