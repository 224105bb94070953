"""The emulators' own contract where no SDK call exercises it: auth forms, bad input, bad configuration, and
answers shaped like the real services' recorded ones (tests/fixtures/recorded)."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from pydantic import ValidationError
from shipping_helpers import Emulator, recorded, shape_differences

from emulators.carriers.easypost import EasyPostEmulatorConfig
from emulators.carriers.shippo import ShippoEmulatorConfig

ADDRESS = {"street1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105", "country": "US"}
BUYER = {"street1": "500 Broadway", "city": "New York", "state": "NY", "zip": "10012", "country": "US"}
# The address EasyPost's own tests see fail (tests/fixtures/recorded/easypost_address_not_found.json).
NOT_A_PLACE = {
    "street1": "000 unknown street",
    "city": "Not A City",
    "state": "ZZ",
    "zip": "00001",
    "country": "US",
}
SHIPMENT = {
    "from_address": ADDRESS,
    "to_address": BUYER,
    "parcel": {"length": 10, "width": 8, "height": 4, "weight": 15.4},
    "reference": "order-1",
}
SHIPPO_PARCEL = {
    "length": "10",
    "width": "8",
    "height": "4",
    "distance_unit": "in",
    "weight": "15.4",
    "mass_unit": "oz",
}
SHIPPO_SHIPMENT = {"address_from": ADDRESS, "address_to": BUYER, "parcels": [SHIPPO_PARCEL], "async": False}
SHIPPO_AUTH = {"Authorization": "ShippoToken shippo_test_sandbox"}
EASYPOST_AUTH = {"Authorization": "Bearer EZTK_sandbox"}


async def test_easypost_takes_the_key_as_bearer_token_or_basic_username(easypost_emulator: Emulator) -> None:
    basic = base64.b64encode(b"EZTK_sandbox:").decode()
    async with httpx.AsyncClient(base_url=f"{easypost_emulator.url}/v2") as client:
        for authorization, status in (
            ("Bearer EZTK_sandbox", 201),
            (f"Basic {basic}", 201),
            ("Basic not-base64!", 401),
            ("Bearer EZTK_other", 401),
        ):
            answer = await client.post(
                "/addresses", json={"address": ADDRESS}, headers={"Authorization": authorization}
            )
            assert answer.status_code == status, authorization
    assert answer.json()["error"]["code"] == "UNAUTHORIZED"


async def test_malformed_requests_get_each_services_recorded_error_shape(
    shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    async with httpx.AsyncClient(headers=SHIPPO_AUTH, base_url=shippo_emulator.url) as shippo:
        no_rate = await shippo.post("/transactions", json={})
        no_parcel = await shippo.post("/shipments", json={"address_from": ADDRESS, "parcels": []})
        unknown = await shippo.get("/transactions/EXAMPLE_OF_INVALID_ID")
    async with httpx.AsyncClient(headers=EASYPOST_AUTH, base_url=f"{easypost_emulator.url}/v2") as easypost:
        blank = await easypost.post("/shipments", json={"shipment": {}})
        partial = await easypost.post("/shipments", json={"shipment": {"to_address": ADDRESS}})

    assert (no_rate.status_code, no_rate.json()) == (400, recorded("shippo_transaction_invalid.json"))
    assert no_parcel.status_code == 400
    assert no_parcel.json()["address_to"] == ["This field is required."]
    assert no_parcel.json().keys() == {"address_to", "parcels"}
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert "/transactions/EXAMPLE_OF_INVALID_ID was not found" in unknown.text
    assert (blank.status_code, blank.json()) == (422, recorded("easypost_error_parameter_required.json"))
    assert partial.json()["error"]["code"] == "PARAMETER.REQUIRED"
    assert {e["field"] for e in partial.json()["error"]["errors"]} == {
        "shipment.from_address",
        "shipment.parcel",
    }


async def test_easypost_answers_in_the_shapes_it_was_recorded_in(easypost_emulator: Emulator) -> None:
    async with httpx.AsyncClient(headers=EASYPOST_AUTH, base_url=f"{easypost_emulator.url}/v2") as easypost:
        shipment = (await easypost.post("/shipments", json={"shipment": SHIPMENT})).json()
        cheapest = min(shipment["rates"], key=lambda rate: float(rate["rate"]))
        bought = (await easypost.post(f"/shipments/{shipment['id']}/buy", json={"rate": cheapest})).json()
        not_found = await easypost.post("/addresses", json={"address": NOT_A_PLACE, "verify": True})

    assert shape_differences(bought, recorded("easypost_shipment_bought.json")) == []
    tracker, real_tracker = bought["tracker"], recorded("easypost_tracker.json")
    for part in ("tracking_details", "carrier_detail"):
        assert shape_differences(tracker[part], real_tracker[part]) == []
    assert isinstance(bought["parcel"]["weight"], float)
    assert bought["postage_label"]["label_pdf_url"] is None and bought["rates"][0]["delivery_date"] is None
    assert bought["tracker"]["public_url"].startswith("https://track.easypost.com/")
    real_not_found = recorded("easypost_address_not_found.json")
    assert not_found.status_code == 201
    assert shape_differences(not_found.json(), real_not_found) == []
    assert not_found.json()["verifications"] == real_not_found["verifications"] | {
        "delivery": real_not_found["verifications"]["delivery"]
    }


async def test_shippo_answers_in_the_shapes_it_was_recorded_in(shippo_emulator: Emulator) -> None:
    async with httpx.AsyncClient(headers=SHIPPO_AUTH, base_url=shippo_emulator.url) as shippo:
        shipment = (await shippo.post("/shipments", json=SHIPPO_SHIPMENT)).json()
        rate = shipment["rates"][0]["object_id"]
        bought = (await shippo.post("/transactions", json={"rate": rate, "async": False})).json()
        listed = (await shippo.get("/transactions", params={"rate": rate, "results": 1})).json()
        track = (
            await shippo.get(f"/tracks/{shipment['rates'][0]['provider']}/{bought['tracking_number']}")
        ).json()
        not_found = (await shippo.post("/addresses", json=NOT_A_PLACE | {"validate": True})).json()

    assert shape_differences(bought, recorded("shippo_transaction_success.json")) == []
    assert "created_by" not in bought and "messages" not in track  # which the pinned SDK cannot parse
    assert shape_differences(listed, recorded("shippo_transactions_list.json")) == []
    assert (listed["count"], listed["next"], listed["previous"]) == (1, None, None)
    # The recording predates API version 2018-02-08, whose Track (as the SDK models it) adds these two.
    track.pop("transaction")
    for status in (track["tracking_status"], *track["tracking_history"]):
        status.pop("substatus")
    assert shape_differences(track, recorded("shippo_track.json")) == []
    assert shape_differences(not_found, recorded("shippo_address_not_found.json")) == []
    assert not_found["validation_results"]["messages"][0]["code"] == "Address Not Found"
    ids = [shipment["object_id"], rate, bought["object_id"], shipment["parcels"][0]["object_id"]]
    assert all(re.fullmatch("[0-9a-f]{32}", object_id) for object_id in ids), ids


async def test_shippo_lists_page_by_page(shippo_emulator: Emulator) -> None:
    async with httpx.AsyncClient(headers=SHIPPO_AUTH, base_url=shippo_emulator.url) as shippo:
        shipment = (await shippo.post("/shipments", json=SHIPPO_SHIPMENT)).json()
        for rate in shipment["rates"][:3]:
            await shippo.post("/transactions", json={"rate": rate["object_id"]})
        first = (await shippo.get("/transactions", params={"results": 2})).json()
        second = (await shippo.get(first["next"])).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    assert (second["count"], len(second["results"]), second["next"]) == (3, 1, None)
    assert "page=1" in second["previous"]


def test_an_emulator_refuses_carriers_it_does_not_know() -> None:
    with pytest.raises(ValidationError, match="unknown carriers \\['DHL'\\]"):
        ShippoEmulatorConfig(carriers=frozenset({"USPS", "DHL"}))
    with pytest.raises(ValidationError, match="enable at least one"):
        EasyPostEmulatorConfig(carriers=frozenset())
