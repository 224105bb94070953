"""Shared pieces of the shipping tests: test data, and a handle on a running emulator's `/_admin` knobs."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from creatorflow.domain import Address, Parcel
from creatorflow.shipping.base import ShipmentRequest
from creatorflow.shipping.rules import RuleContext
from emulators.faults import FaultRule

# Generous enough for a loaded CI box, short enough to keep the suite fast: a "timeout" fault must outlast
# the SDK's timeout, and every other request must finish well within it.
SDK_TIMEOUT = 5.0
FAULT_HANG = 6.0
SHIPPO_TOKEN = "test-shippo-webhook-token"
EASYPOST_SECRET = "test-easypost-webhook-secret"


@dataclass
class Emulator:
    """A running emulator and its `/_admin` knobs."""

    url: str

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        answer = httpx.request(method, f"{self.url}/_admin{path}", json=json, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def fail(self, *rules: FaultRule) -> None:
        self.admin("PUT", "/faults", [rule.model_dump() for rule in rules])

    def purchases(self) -> dict[str, Any]:
        report: dict[str, Any] = self.admin("GET", "/purchases")
        return report

    def calls(self, method: str, path: str, *, at_least: int = 0) -> list[dict[str, Any]]:
        """Every request answered on `path` (a pattern), with the fault it injected, if any.

        A request is logged once answered, and a "timeout" fault answers `FAULT_HANG` after the client gave
        up: `at_least` waits (that long at most) for the stragglers.
        """
        deadline = time.monotonic() + FAULT_HANG
        while True:
            calls = [
                entry for entry in self.admin("GET", f"/ledger?path={path}") if entry["method"] == method
            ]
            if len(calls) >= at_least or time.monotonic() > deadline:
                return calls
            time.sleep(0.1)


WAREHOUSE = Address(
    name="CreatorFlow Warehouse",
    street1="1 Market St",
    city="San Francisco",
    state="CA",
    postal_code="94105",
    country="US",
    phone="4155550100",
)
BUYER = Address(
    name="Ada Buyer", street1="500 Broadway", city="New York", state="NY", postal_code="10012", country="US"
)
NOWHERE = Address(
    name="Nobody", street1="Broadway", city="New York", state="NY", postal_code="1OO12", country="US"
)
BOX = Parcel(length_in=Decimal(10), width_in=Decimal(6), height_in=Decimal(4), weight_oz=Decimal(20))


def shipment_to(address: Address, reference: str = "order-1") -> ShipmentRequest:
    return ShipmentRequest(from_address=WAREHOUSE, to_address=address, parcel=BOX, reference=reference)


def order_context(ship_on: date, deliver_by: date | None = None) -> RuleContext:
    """What the rules see of an order shipping `BOX` to `BUYER` in dollars."""
    return RuleContext(
        weight_oz=BOX.weight_oz,
        country=BUYER.country,
        state=BUYER.state,
        order_value=None,
        currency="USD",
        ship_on=ship_on,
        deliver_by=deliver_by,
    )


RECORDED = Path(__file__).parents[2] / "fixtures" / "recorded"


def recorded(name: str) -> Any:
    """A real answer, recorded by the SDKs' own test suites (tests/fixtures/recorded/README.md)."""
    return json.loads((RECORDED / name).read_text())


def shape_differences(emulated: Any, real: Any, where: str = "$") -> list[str]:
    """Where `emulated` is not shaped like `real`: other keys in an object, another JSON type in a value.
    Nulls and empty lists or objects say nothing about shape, so they match anything; a list's shape is
    its first item's."""
    if emulated in (None, [], {}) or real in (None, [], {}):
        return []
    if _json_type(emulated) != _json_type(real):
        return [f"{where}: {_json_type(emulated)} where the real service sends {_json_type(real)}"]
    if isinstance(real, dict):
        extra, missing = sorted(emulated.keys() - real.keys()), sorted(real.keys() - emulated.keys())
        found = [f"{where}: extra keys {extra}"] * bool(extra) + [f"{where}: missing keys {missing}"] * bool(
            missing
        )
        for key in emulated.keys() & real.keys():
            found += shape_differences(emulated[key], real[key], f"{where}.{key}")
        return found
    if isinstance(real, list):
        return shape_differences(emulated[0], real[0], f"{where}[0]")
    return []


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]
