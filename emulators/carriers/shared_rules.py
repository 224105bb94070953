"""What the Shippo and EasyPost emulators know alike about the carriers behind them.

One catalogue of services (each with its Shippo token and EasyPost name), one price formula, one way to
mint ids and tracking numbers, one address check and one status per injected fault, so the two
emulators quote comparable rates and refuse the same bad addresses, while each speaks its own format.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from emulators.faults import FaultInjector


class ServiceLevel(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str
    name: str
    shippo_token: str
    easypost_service: str
    base_price: Decimal
    per_pound: Decimal
    per_zone: Decimal
    delivery_days: int
    country: str = "US"  # where the carrier picks parcels up: shipments from elsewhere get no rate from it
    currency: str = "USD"

    def price(self, parcel: ParcelSize, zone: int, factor: Decimal) -> Decimal:
        """Base price, a step per started pound of billable weight and per zone past the first, times the
        provider's discount factor: a heavier, bigger or farther parcel costs more, as on real tables."""
        pounds = max(1, math.ceil(billable_ounces(self.carrier, parcel) / 16))
        steps = self.per_pound * pounds + self.per_zone * (zone - 1)
        return ((self.base_price + steps) * factor).quantize(Decimal("0.01"))


class ParcelSize(NamedTuple):
    """What a price depends on: weight, and the sides when the request gave them (inches)."""

    weight_oz: Decimal
    sides_in: tuple[Decimal, Decimal, Decimal] | None


# Dimensional weight as these carriers bill it: (in³ per pound, smallest volume it applies to). USPS bills
# it only past one cubic foot; UPS and FedEx on every parcel.
_DIM_DIVISORS = {"USPS": (Decimal(166), Decimal(1728)), "UPS": (Decimal(139), Decimal(0))}
_DIM_DEFAULT = (Decimal(139), Decimal(0))


def billable_ounces(carrier: str, parcel: ParcelSize) -> Decimal:
    """The greater of the actual and the dimensional weight (sides rounded up to whole inches)."""
    if parcel.sides_in is None:
        return parcel.weight_oz
    divisor, from_volume = _DIM_DIVISORS.get(carrier, _DIM_DEFAULT)
    volume = math.prod(Decimal(math.ceil(side)) for side in parcel.sides_in)
    if volume <= from_volume:
        return parcel.weight_oz
    return max(parcel.weight_oz, volume / divisor * 16)


def zone(origin_zip: str | None, destination_zip: str | None) -> int:
    """A zone from 1 (near) to 8 (far) by the distance between US ZIP prefixes, as USPS and UPS zones
    grow with distance; outside the US (no numeric ZIP) every parcel is zone 1."""
    prefixes = [code[:3] for code in (origin_zip or "", destination_zip or "") if code[:3].isdigit()]
    if len(prefixes) != 2:
        return 1
    return 1 + min(7, abs(int(prefixes[0]) - int(prefixes[1])) // 100)


def _service(
    carrier: str,
    name: str,
    token: str,
    service: str,
    prices: tuple[str, str, str],
    days: int,
    country: str = "US",
    currency: str = "USD",
) -> ServiceLevel:
    base, per_lb, per_zone = (Decimal(price) for price in prices)
    return ServiceLevel(
        carrier=carrier,
        name=name,
        shippo_token=token,
        easypost_service=service,
        base_price=base,
        per_pound=per_lb,
        per_zone=per_zone,
        delivery_days=days,
        country=country,
        currency=currency,
    )


CATALOGUE: tuple[ServiceLevel, ...] = (
    _service(
        "USPS", "Ground Advantage", "usps_ground_advantage", "GroundAdvantage", ("4.25", "1.10", "0.35"), 5
    ),
    _service("USPS", "Priority Mail", "usps_priority", "Priority", ("7.15", "1.05", "0.60"), 2),
    _service(
        "USPS", "Priority Mail Express", "usps_priority_express", "Express", ("26.35", "2.40", "1.20"), 1
    ),
    _service("UPS", "Ground", "ups_ground", "Ground", ("8.40", "0.45", "0.55"), 4),
    _service("UPS", "2nd Day Air", "ups_second_day_air", "2ndDayAir", ("17.60", "1.95", "1.10"), 2),
    _service("UPS", "Next Day Air", "ups_next_day_air", "NextDayAir", ("30.10", "3.05", "1.80"), 1),
    _service("FedEx", "FedEx Ground", "fedex_ground", "FEDEX_GROUND", ("8.15", "0.50", "0.50"), 4),
    _service("FedEx", "FedEx 2Day", "fedex_2_day", "FEDEX_2_DAY", ("16.90", "1.85", "1.05"), 2),
    # Great Britain: domestic services, priced in pounds sterling (GB postcodes are all one zone here).
    _service(
        "Royal Mail",
        "Tracked 48",
        "royal_mail_tracked_48",
        "RoyalMailTracked48",
        ("3.35", "0.55", "0"),
        2,
        "GB",
        "GBP",
    ),
    _service(
        "Royal Mail",
        "Tracked 24",
        "royal_mail_tracked_24",
        "RoyalMailTracked24",
        ("4.25", "0.60", "0"),
        1,
        "GB",
        "GBP",
    ),
    _service("Evri", "Standard", "evri_standard", "EvriStandard", ("2.95", "0.45", "0"), 3, "GB", "GBP"),
    _service("DPD UK", "Next Day", "dpd_uk_next_day", "DPDNextDay", ("6.20", "0.35", "0"), 1, "GB", "GBP"),
)
CARRIERS = frozenset(service.carrier for service in CATALOGUE)
# The HTTP status each injected fault kind answers with (a "timeout" answers after hanging).
FAULT_STATUS = {"5xx": 503, "429": 429, "timeout": 504}


def _known(carriers: frozenset[str]) -> frozenset[str]:
    if not carriers:
        raise ValueError(f"enable at least one of {sorted(CARRIERS)}")
    if carriers - CARRIERS:
        raise ValueError(f"unknown carriers {sorted(carriers - CARRIERS)}; known: {sorted(CARRIERS)}")
    return carriers


# The carriers an emulated account has enabled; an emulator config field.
KnownCarriers = Annotated[frozenset[str], AfterValidator(_known)]


class EmulatorConfig(BaseModel):
    """What both emulators let you set about the account they emulate."""

    carriers: KnownCarriers
    price_factor: Decimal = Field(default=Decimal("1.00"), gt=0, description="this account's discount")
    fault_seed: int | None = None
    fault_hang_seconds: float = Field(default=30.0, gt=0, description="how long a 'timeout' fault holds on")

    def fault_injector(self) -> FaultInjector:
        return FaultInjector(seed=self.fault_seed, hang_seconds=self.fault_hang_seconds)


def services_of(carriers: Collection[str], origin_country: str) -> list[ServiceLevel]:
    """The enabled carriers' services that pick up where the shipment starts."""
    return [s for s in CATALOGUE if s.carrier in carriers and s.country == origin_country.upper()]


def new_id(prefix: str) -> str:
    """`shp_` + 32 hex digits: the shape of EasyPost's ids (tests/fixtures/recorded/easypost_*.json)."""
    return f"{prefix}_{new_object_id()}"


def new_object_id() -> str:
    """32 hex digits, no prefix: Shippo's `object_id`s (tests/fixtures/recorded/shippo_*.json)."""
    return secrets.token_hex(16)


def new_tracking_number(carrier: str) -> str:
    """A number shaped like the carrier's own: USPS 22 digits, UPS 1Z + 16, FedEx 12 digits."""
    if carrier == "UPS":
        return "1Z" + secrets.token_hex(8).upper()
    digits = "".join(secrets.choice("0123456789") for _ in range(18))
    return "9400" + digits if carrier == "USPS" else digits[:12]


class AddressProblem(BaseModel):
    """`field` is the request field at fault, or `ADDRESS` when the address as a whole cannot be found."""

    field: str
    message: str


ADDRESS = "address"


class Place(BaseModel):
    """Where a scan happened."""

    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


_US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_STATE_CODE = re.compile(r"^[A-Z]{2}$")
# The codes USPS delivers to: states, DC, territories, freely associated states and military post offices.
_US_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP UM FM MH PW AA AE AP"
)
_US_STATES = frozenset(_US_STATE_CODES.split())
# The lowest ZIP code in use (Holtsville, NY): nothing below it can be found.
_LOWEST_ZIP = 501
_NORMALISED = ("street1", "street2", "city", "state")


class WireAddress(BaseModel):
    """An address as both providers take it (they use the same field names)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    company: str | None = None
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str = "US"
    phone: str | None = None
    email: str | None = None

    def problems(self) -> list[AddressProblem]:
        """The clear faults a carrier would refuse: no house number, no city, a malformed US ZIP or state,
        and a well-formed US address that cannot exist (house number 0, no such state, a ZIP below the
        lowest in use), which the real services answer "Address not found" (EasyPost's recorded
        "000 unknown street, Not A City, ZZ 00001": tests/fixtures/recorded/easypost_address_not_found.json).
        """
        found = []
        if not self.street1 or not any(ch.isdigit() for ch in self.street1):
            found.append(AddressProblem(field="street1", message="House number is missing"))
        if not self.city:
            found.append(AddressProblem(field="city", message="City is missing"))
        if self.country.upper() == "US":
            if not self.zip or not _US_ZIP.match(self.zip):
                found.append(AddressProblem(field="zip", message=f"Invalid ZIP code {self.zip!r}"))
            if not self.state or not _STATE_CODE.match(self.state.upper()):
                found.append(AddressProblem(field="state", message=f"Invalid state {self.state!r}"))
            if not found and self._cannot_exist():
                found.append(AddressProblem(field=ADDRESS, message="Address not found"))
        return found

    def _cannot_exist(self) -> bool:
        house_number = (self.street1 or "").split(" ", 1)[0]
        return (
            (house_number.isdigit() and int(house_number) == 0)
            or (self.state or "").upper() not in _US_STATES
            or int((self.zip or "0")[:5]) < _LOWEST_ZIP
        )

    def normal_form(self) -> dict[str, str]:
        """The corrections a carrier's validator makes to a good address: street, city, state upper-cased."""
        fields = self.model_dump()
        return {key: fields[key].upper() for key in _NORMALISED if fields[key]}

    def place(self) -> Place:
        return Place(city=self.city, state=self.state, zip=self.zip, country=self.country)
