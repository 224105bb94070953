"""Build the box for an order from its line items and each product's packed size and weight.

Items are stacked: the box is as long and wide as the largest item (each laid on its flattest side) and
as tall as all of them together, plus packaging weight. Products without package data use the defaults,
so an incomplete catalogue still gets a label, at the price of a less exact quote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from creatorflow.domain import DomainModel, Parcel
from creatorflow.shipping.errors import ParcelTooHeavyError


class WeightUnit(StrEnum):
    OUNCE = "oz"
    POUND = "lb"
    GRAM = "g"
    KILOGRAM = "kg"


class LengthUnit(StrEnum):
    INCH = "in"
    CENTIMETER = "cm"


_OUNCES_PER = {
    WeightUnit.OUNCE: Decimal(1),
    WeightUnit.POUND: Decimal(16),
    WeightUnit.GRAM: Decimal("0.0352739619"),
    WeightUnit.KILOGRAM: Decimal("35.2739619"),
}
_INCHES_PER = {LengthUnit.INCH: Decimal(1), LengthUnit.CENTIMETER: Decimal("0.3937007874")}
_HUNDREDTHS = Decimal("0.01")


class PackageSpec(DomainModel):
    """One unit of a product as packed for shipping."""

    weight: Decimal = Field(gt=0)
    weight_unit: WeightUnit = WeightUnit.OUNCE
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    length_unit: LengthUnit = LengthUnit.INCH

    @property
    def weight_oz(self) -> Decimal:
        return self.weight * _OUNCES_PER[self.weight_unit]

    @property
    def sides_in(self) -> tuple[Decimal, Decimal, Decimal]:
        """Longest side first, so the last one is the height when the item lies flat."""
        factor = _INCHES_PER[self.length_unit]
        longest, middle, shortest = sorted((self.length, self.width, self.height), reverse=True)
        return longest * factor, middle * factor, shortest * factor


class ItemToPack(DomainModel):
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class ParcelDefaults(DomainModel):
    item: PackageSpec = PackageSpec(weight=Decimal(8), length=Decimal(6), width=Decimal(4), height=Decimal(2))
    packaging_oz: Decimal = Field(default=Decimal(2), ge=0, description="box and fill")
    max_weight_oz: Decimal = Field(default=Decimal(70 * 16), gt=0, description="USPS's 70 lb limit")


def build_parcel(
    items: Sequence[ItemToPack],
    packages: Mapping[str, PackageSpec],
    defaults: ParcelDefaults = ParcelDefaults(),
) -> Parcel:
    """One parcel holding every item; `packages` maps SKU to its spec, missing SKUs use the default."""
    if not items:
        raise ValueError("an order needs at least one item to pack")
    length = width = height = Decimal(0)
    weight = defaults.packaging_oz
    for item in items:
        spec = packages.get(item.sku, defaults.item)
        longest, middle, shortest = spec.sides_in
        length, width = max(length, longest), max(width, middle)
        height += shortest * item.quantity
        weight += spec.weight_oz * item.quantity
    if weight > defaults.max_weight_oz:
        raise ParcelTooHeavyError(
            f"{weight:.1f} oz is over the {defaults.max_weight_oz} oz limit for one parcel; split the order"
        )
    return Parcel(
        length_in=_round_up(length),
        width_in=_round_up(width),
        height_in=_round_up(height),
        weight_oz=_round_up(weight),
    )


def _round_up(value: Decimal) -> Decimal:
    """To the hundredth, upwards: a quote for a box a hair too small is a carrier adjustment later."""
    return value.quantize(_HUNDREDTHS, rounding="ROUND_CEILING")
