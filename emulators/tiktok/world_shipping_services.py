"""TikTok Shipping's own price list, per region in the shop's currency (reference §5.3, Get Eligible Shipping
Service): each service is a base price, a step per started weight unit (pound in the US, kilogram in GB)
and a step per distance band between the warehouse and the buyer.

Priced on purpose against the carrier emulators' USPS Ground Advantage: TikTok's Ground Advantage is
cheaper for a light parcel or a far buyer and dearer for a heavier parcel close by, so a rate choice
sometimes picks TikTok and sometimes not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

GRAMS_PER_POUND = Decimal("453.59237")
GRAMS_PER_KILOGRAM = Decimal(1000)
INCHES_PER_CM = Decimal("0.3937")
LONGEST_SIDE_IN = Decimal(108)  # past this no TikTok Shipping service takes the parcel


@dataclass(frozen=True)
class TikTokService:
    id: str
    name: str
    provider_id: str
    provider_name: str
    base: Decimal
    per_unit: Decimal  # per started pound (US) or kilogram (GB)
    per_band: Decimal
    earliest_days: int
    latest_days: int

    def price(self, units: int, band: int) -> Decimal:
        return (self.base + self.per_unit * units + self.per_band * band).quantize(Decimal("0.01"))


def _service(
    id_: str, name: str, provider: tuple[str, str], prices: tuple[str, str, str], days: tuple[int, int]
) -> TikTokService:
    base, per_unit, per_band = (Decimal(price) for price in prices)
    return TikTokService(id_, name, *provider, base, per_unit, per_band, *days)


_USPS = ("7117858858072016686", "USPS")
_UPS = ("7117859057112123182", "UPS")
_EVRI = ("7208502187360011566", "Evri")
_DPD = ("7208502187360011822", "DPD")

# Each region's first service is its default (what Create Packages buys when no service is named).
SERVICES: dict[str, tuple[TikTokService, ...]] = {
    "US": (
        _service("7255801427181176581", "USPS Ground Advantage", _USPS, ("3.60", "1.45", "0.30"), (3, 5)),
        _service("7255801427181176582", "UPS Ground Saver", _UPS, ("5.90", "0.70", "0.50"), (2, 5)),
        _service("7255801427181176583", "USPS Priority Mail", _USPS, ("6.80", "1.20", "0.55"), (1, 3)),
    ),
    "GB": (
        _service("7255801427181177601", "Evri Standard", _EVRI, ("2.49", "0.90", "0.35"), (2, 4)),
        _service("7255801427181177602", "DPD Next Day", _DPD, ("4.99", "0.60", "0.20"), (1, 1)),
    ),
}
# Per-unit weight steps: US prices go by the pound, GB ones by the kilogram.
UNIT_GRAMS = {"US": GRAMS_PER_POUND, "GB": GRAMS_PER_KILOGRAM}


def grams(value: Decimal, unit: str) -> Decimal:
    return value if unit == "GRAM" else value * GRAMS_PER_POUND


def longest_side_in(sides: tuple[Decimal, Decimal, Decimal], unit: str) -> Decimal:
    longest = max(sides)
    return longest if unit == "INCH" else longest * INCHES_PER_CM


def distance_band(region: str, origin_postcode: str, destination_postcode: str) -> int:
    """0 (near) to 3 (far). US: how far apart the ZIP codes' first digits are (0 in the northeast, 9 on
    the west coast); GB: 0 in the same postcode area (its leading letters), 1 elsewhere."""
    if region == "US":
        return min(3, abs(int(origin_postcode[0]) - int(destination_postcode[0])) // 2)
    return 0 if _area(origin_postcode) == _area(destination_postcode) else 1


def _area(postcode: str) -> str:
    letters = ""
    for char in postcode.upper():
        if not char.isalpha():
            break
        letters += char
    return letters


def quote(region: str, weight_grams: Decimal, band: int) -> list[tuple[TikTokService, Decimal]]:
    units = max(1, math.ceil(weight_grams / UNIT_GRAMS[region]))
    return [(service, service.price(units, band)) for service in SERVICES[region]]
