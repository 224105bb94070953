"""The emulators' own contract where no SDK call exercises it: auth forms, bad input, bad configuration."""

from __future__ import annotations

import base64

import httpx
import pytest
from pydantic import ValidationError
from shipping_helpers import Emulator

from emulators.carriers.easypost import EasyPostEmulatorConfig
from emulators.carriers.shippo import ShippoEmulatorConfig

ADDRESS = {"street1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105", "country": "US"}


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


async def test_malformed_requests_get_each_services_error_shape(
    shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    async with httpx.AsyncClient() as client:
        shippo = await client.post(
            f"{shippo_emulator.url}/shipments",
            json={"address_from": ADDRESS, "parcels": []},
            headers={"Authorization": "ShippoToken shippo_test_sandbox"},
        )
        easypost = await client.post(
            f"{easypost_emulator.url}/v2/shipments",
            json={"shipment": {"to_address": ADDRESS}},
            headers={"Authorization": "Bearer EZTK_sandbox"},
        )
    assert shippo.status_code == 400
    assert {tuple(e["loc"][1:]) for e in shippo.json()["detail"]} >= {("address_to",), ("parcels",)}
    assert easypost.status_code == 422
    assert easypost.json()["error"]["code"] == "PARAMETER.INVALID"
    assert {e["loc"][-1] for e in easypost.json()["error"]["errors"]} == {"from_address", "parcel"}


def test_an_emulator_refuses_carriers_it_does_not_know() -> None:
    with pytest.raises(ValidationError, match="unknown carriers \\['DHL'\\]"):
        ShippoEmulatorConfig(carriers=frozenset({"USPS", "DHL"}))
    with pytest.raises(ValidationError, match="enable at least one"):
        EasyPostEmulatorConfig(carriers=frozenset())
