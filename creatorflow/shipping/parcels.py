"""The parcels an order ships in, from each SKU's packed size and weight and the shop's box presets.

Package data comes from TikTok's product (`PackageData`, in TikTok's field names and unit strings) or from
the seller's override per SKU, which wins. `plan_parcels` puts an order's items in the smallest preset box
they fit, or splits them over several boxes; a SKU without package data is an error, never a guess.
Carriers bill the parcel we give them by their own rules (dimensional weight past their thresholds,
rounding up); the carrier emulators apply such rules, so a wrong parcel shows in the price.

Conversions use the exact definitions (1 lb = 453.59237 g, 1 oz = 1/16 lb, 1 in = 2.54 cm), so a
size given in inches comes back as the same inches after a round trip through centimetres.

`parcel_for_order` is what the order flow calls: the smallest box, or without boxes the items' own
packages stacked (`stacked_parcel`), and an error the order parks on for anything it cannot pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import NamedTuple

from pydantic import Field, model_validator

from creatorflow.domain import DomainModel, Parcel
from creatorflow.shipping.errors import NonRetryableShippingError, ParcelTooHeavyError
from creatorflow.tiktok.models import PackageDimensions, PackageWeight, TikTokLengthUnit, TikTokWeightUnit


class WeightUnit(StrEnum):
    OUNCE = "oz"
    POUND = "lb"
    GRAM = "g"
    KILOGRAM = "kg"


class LengthUnit(StrEnum):
    INCH = "in"
    CENTIMETER = "cm"


# Exact definitions (international yard and pound, 1959): every factor is a terminating decimal.
_GRAMS_PER = {
    WeightUnit.GRAM: Decimal(1),
    WeightUnit.KILOGRAM: Decimal(1000),
    WeightUnit.POUND: Decimal("453.59237"),
    WeightUnit.OUNCE: Decimal("453.59237") / 16,
}
_CENTIMETERS_PER = {LengthUnit.CENTIMETER: Decimal(1), LengthUnit.INCH: Decimal("2.54")}
_OUNCES_PER_POUND = Decimal(16)
_HUNDREDTHS = Decimal("0.01")


def to_ounces(value: Decimal, unit: WeightUnit) -> Decimal:
    return value * _GRAMS_PER[unit] / _GRAMS_PER[WeightUnit.OUNCE]


def to_inches(value: Decimal, unit: LengthUnit) -> Decimal:
    return value * _CENTIMETERS_PER[unit] / _CENTIMETERS_PER[LengthUnit.INCH]


Sides = tuple[Decimal, Decimal, Decimal]


def _sides_in(length: Decimal, width: Decimal, height: Decimal, unit: LengthUnit) -> Sides:
    """In inches, longest side first, so the last one is the height when the thing lies flat."""
    longest, middle, shortest = sorted(
        (to_inches(side, unit) for side in (length, width, height)), reverse=True
    )
    return longest, middle, shortest


# --- One SKU's packed unit ---------------------------------------------------------------------------


class PackageSpec(DomainModel):
    """One unit of a product as packed for shipping, in any unit (a seller's override is one of these)."""

    weight: Decimal = Field(gt=0)
    weight_unit: WeightUnit = WeightUnit.OUNCE
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    length_unit: LengthUnit = LengthUnit.INCH

    @property
    def weight_oz(self) -> Decimal:
        return to_ounces(self.weight, self.weight_unit)

    @property
    def sides_in(self) -> Sides:
        """Longest side first, so the last one is the height when the item lies flat."""
        return _sides_in(self.length, self.width, self.height, self.length_unit)


_WEIGHT_UNITS = {
    TikTokWeightUnit.GRAM: WeightUnit.GRAM,
    TikTokWeightUnit.KILOGRAM: WeightUnit.KILOGRAM,
    TikTokWeightUnit.POUND: WeightUnit.POUND,
}
_LENGTH_UNITS = {TikTokLengthUnit.CENTIMETER: LengthUnit.CENTIMETER, TikTokLengthUnit.INCH: LengthUnit.INCH}


class PackageData(DomainModel):
    """A product's packed unit as TikTok's Get Product returns it (`package_weight`,
    `package_dimensions`); TikTok keeps it per product, so every SKU of the product shares it."""

    package_weight: PackageWeight
    package_dimensions: PackageDimensions

    def spec(self) -> PackageSpec:
        weight, dims = self.package_weight, self.package_dimensions
        return PackageSpec(
            weight=weight.value,
            weight_unit=_WEIGHT_UNITS[weight.unit],
            length=dims.length,
            width=dims.width,
            height=dims.height,
            length_unit=_LENGTH_UNITS[dims.unit],
        )


def resolve_packages(
    tiktok: Mapping[str, PackageData], overrides: Mapping[str, PackageSpec]
) -> dict[str, PackageSpec]:
    """Each SKU's packed unit: the seller's override where there is one, else TikTok's product data."""
    return {sku: data.spec() for sku, data in tiktok.items()} | dict(overrides)


class ItemToPack(DomainModel):
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


# --- Boxes and the parcels an order ships in -----------------------------------------------------------


class BoxPreset(DomainModel):
    """A box the seller packs in: inside dimensions (what must fit), its own weight, and the most it may
    weigh packed (box included). The parcel is quoted at these dimensions: enter the inside size a hair
    generous if the walls are thick, since carriers measure the outside."""

    name: str = Field(min_length=1)
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    length_unit: LengthUnit = LengthUnit.INCH
    empty_weight: Decimal = Field(ge=0)
    max_weight: Decimal = Field(gt=0, description="packed, box included")
    weight_unit: WeightUnit = WeightUnit.OUNCE

    @model_validator(mode="after")
    def _holds_something(self) -> BoxPreset:
        if self.max_weight <= self.empty_weight:
            raise ValueError(f"box {self.name}: max weight must be more than the empty box weighs")
        return self

    @property
    def sides_in(self) -> Sides:
        return _sides_in(self.length, self.width, self.height, self.length_unit)

    @property
    def volume_in3(self) -> Decimal:
        longest, middle, shortest = self.sides_in
        return longest * middle * shortest

    @property
    def empty_oz(self) -> Decimal:
        return to_ounces(self.empty_weight, self.weight_unit)

    @property
    def max_oz(self) -> Decimal:
        return to_ounces(self.max_weight, self.weight_unit)


class PlannedParcel(DomainModel):
    """One box of an order: which preset, what goes in it, and the parcel to quote."""

    box: str
    items: tuple[ItemToPack, ...]
    parcel: Parcel


class PackageUnknownError(NonRetryableShippingError):
    """SKUs with neither TikTok package data nor a seller override: the order waits for a person."""

    def __init__(self, skus: Iterable[str]) -> None:
        self.skus = sorted(set(skus))
        super().__init__(
            f"no package weight and dimensions for SKU {', '.join(self.skus)}; "
            "set them on TikTok or with `creatorflow rules packages set`"
        )


class ItemTooLargeError(NonRetryableShippingError):
    """An item that no box preset holds, by size or weight: the shop needs a bigger box preset."""

    def __init__(self, sku: str, spec: PackageSpec) -> None:
        self.sku = sku
        sides = " x ".join(f"{side:.2f}" for side in spec.sides_in)
        super().__init__(f"SKU {sku} ({sides} in, {spec.weight_oz:.1f} oz) fits none of the shop's boxes")


class _Unit(NamedTuple):
    """One physical item to place: its SKU and flat sides in inches (longest first)."""

    sku: str
    sides: Sides
    weight_oz: Decimal

    @property
    def volume(self) -> Decimal:
        return self.sides[0] * self.sides[1] * self.sides[2]


def plan_parcels(
    items: Sequence[ItemToPack], packages: Mapping[str, PackageSpec], boxes: Sequence[BoxPreset]
) -> list[PlannedParcel]:
    """The parcels for an order: one box when everything fits one, else several (first-fit decreasing).

    A box is chosen smallest by volume, then by weight limit. Raises `PackageUnknownError` naming every
    SKU without package data, `ItemTooLargeError` for an item no box holds.
    """
    if not items:
        raise ValueError("an order needs at least one item to pack")
    if not boxes:
        raise ValueError("the shop has no box presets; add one with `creatorflow rules boxes add`")
    unknown = [item.sku for item in items if item.sku not in packages]
    if unknown:
        raise PackageUnknownError(unknown)
    by_size = sorted(boxes, key=lambda box: (box.volume_in3, box.max_oz))
    units = [
        _Unit(item.sku, packages[item.sku].sides_in, packages[item.sku].weight_oz)
        for item in items
        for _ in range(item.quantity)
    ]
    for unit in units:
        if _smallest_box([unit], by_size) is None:
            raise ItemTooLargeError(unit.sku, packages[unit.sku])
    whole = _smallest_box(units, by_size)
    if whole is not None:
        return [_planned(whole, units)]
    # First-fit decreasing: biggest items first, each into the first open parcel some box still holds.
    groups: list[list[_Unit]] = []
    for unit in sorted(units, key=lambda u: (u.volume, u.weight_oz), reverse=True):
        for group in groups:
            if _smallest_box([*group, unit], by_size) is not None:
                group.append(unit)
                break
        else:
            groups.append([unit])
    planned = []
    for group in groups:
        box = _smallest_box(group, by_size)
        assert box is not None, "every group was built to fit a box"
        planned.append(_planned(box, group))
    return planned


def _smallest_box(units: Sequence[_Unit], by_size: Sequence[BoxPreset]) -> BoxPreset | None:
    weight = sum((unit.weight_oz for unit in units), Decimal(0))
    volume = sum((unit.volume for unit in units), Decimal(0))
    for box in by_size:
        if box.empty_oz + weight <= box.max_oz and volume <= box.volume_in3 and _fits(units, box.sides_in):
            return box
    return None


def _fits(units: Sequence[_Unit], box: Sides) -> bool:
    """Whether the units can be placed in the box, by construction, so a True is always a real packing.

    Items lie flat (shortest side up, as a box lies: its shortest side is its height). Each item goes on
    the first stack whose top it sits on without overhang and under the lid, else starts a stack; the
    stacks' footprints are then laid in rows across the floor (first fit, each footprint turned if that
    fits). A tight set it cannot place goes to a bigger box or another parcel: over-packing costs a
    label, a box that does not close costs a repack.
    """
    floor_length, floor_width, lid = box
    stacks: list[list[Decimal]] = []  # [length, width, height]
    for unit in sorted(units, key=lambda u: (u.sides[0] * u.sides[1], u.sides[0]), reverse=True):
        length, width, height = unit.sides
        if length > floor_length or width > floor_width or height > lid:
            return False
        for stack in stacks:
            if length <= stack[0] and width <= stack[1] and stack[2] + height <= lid:
                stack[2] += height
                break
        else:
            stacks.append([length, width, height])
    rows: list[list[Decimal]] = []  # [depth across the floor's width, length used along the floor]
    for length, width, _ in stacks:
        for row in rows:
            turn = next(
                (
                    (along, across)
                    for along, across in ((length, width), (width, length))
                    if across <= row[0] and row[1] + along <= floor_length
                ),
                None,
            )
            if turn is not None:
                row[1] += turn[0]
                break
        else:
            if sum((row[0] for row in rows), Decimal(0)) + width > floor_width:
                return False
            rows.append([width, length])
    return True


def _planned(box: BoxPreset, units: Sequence[_Unit]) -> PlannedParcel:
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.sku] = counts.get(unit.sku, 0) + 1
    longest, middle, shortest = box.sides_in
    weight = box.empty_oz + sum((unit.weight_oz for unit in units), Decimal(0))
    return PlannedParcel(
        box=box.name,
        items=tuple(ItemToPack(sku=sku, quantity=quantity) for sku, quantity in counts.items()),
        parcel=Parcel(
            length_in=_round_up(longest),
            width_in=_round_up(middle),
            height_in=_round_up(shortest),
            weight_oz=_round_up(weight),
        ),
    )


# --- Without box presets: the items' own packages, stacked -------------------------------------------------


class Stacking(DomainModel):
    """How an order ships when its shop has no box presets: its items' own packages stacked."""

    packaging_oz: Decimal = Field(default=Decimal(2), ge=0, description="tape, label and fill")
    max_weight_oz: Decimal = Field(default=Decimal(70 * 16), gt=0, description="USPS's 70 lb limit")


def stacked_parcel(
    items: Sequence[ItemToPack], packages: Mapping[str, PackageSpec], stacking: Stacking = Stacking()
) -> Parcel:
    """One parcel of every item as packed for shipping (a single item: exactly its package).

    Items are stacked: the parcel is as long and wide as the largest item (each laid on its flattest side)
    and as tall as all of them together, plus packaging weight. Raises `PackageUnknownError` naming every
    SKU without package data.
    """
    if not items:
        raise ValueError("an order needs at least one item to pack")
    unknown = [item.sku for item in items if item.sku not in packages]
    if unknown:
        raise PackageUnknownError(unknown)
    length = width = height = Decimal(0)
    weight = stacking.packaging_oz
    for item in items:
        longest, middle, shortest = packages[item.sku].sides_in
        length, width = max(length, longest), max(width, middle)
        height += shortest * item.quantity
        weight += packages[item.sku].weight_oz * item.quantity
    if weight > stacking.max_weight_oz:
        raise ParcelTooHeavyError(
            f"{weight:.1f} oz is over the {stacking.max_weight_oz} oz limit for one parcel; split the order"
        )
    return Parcel(
        length_in=_round_up(length),
        width_in=_round_up(width),
        height_in=_round_up(height),
        weight_oz=_round_up(weight),
    )


class SplitNeededError(NonRetryableShippingError):
    """The order's items need several boxes, so one label cannot ship it: the order workflow splits it on
    TikTok into one package per box (`plan_for_order`), or parks when TikTok will not split it."""

    def __init__(self, plan: Sequence[PlannedParcel]) -> None:
        self.plan = list(plan)
        boxes = ", ".join(f"{parcel.box} ({sum(i.quantity for i in parcel.items)} items)" for parcel in plan)
        super().__init__(f"the order's items need {len(plan)} boxes: {boxes}; one label ships one box")


# The `box` of a parcel made of the items' own packages (a shop without box presets).
OWN_PACKAGES = "own packages"


def plan_for_order(
    items: Sequence[ItemToPack], packages: Mapping[str, PackageSpec], boxes: Sequence[BoxPreset]
) -> list[PlannedParcel]:
    """The parcels an order ships in: its items in the shop's boxes (`plan_parcels`, one or several), or
    without box presets its items' own packages stacked as one. Deterministic for the same items, package
    data and boxes. Raises `PackageUnknownError`, `ItemTooLargeError` or `ParcelTooHeavyError`."""
    if not boxes:
        return [PlannedParcel(box=OWN_PACKAGES, items=tuple(items), parcel=stacked_parcel(items, packages))]
    return plan_parcels(items, packages, boxes)


def parcel_for_order(
    items: Sequence[ItemToPack], packages: Mapping[str, PackageSpec], boxes: Sequence[BoxPreset]
) -> Parcel:
    """The one parcel an order ships as: the smallest of the shop's boxes its items fit, or without box
    presets its items' own packages stacked. Raises `PackageUnknownError`, `ItemTooLargeError` or
    `SplitNeededError` (all non-retryable: the order parks with the reason) instead of guessing."""
    plan = plan_for_order(items, packages, boxes)
    if len(plan) > 1:
        raise SplitNeededError(plan)
    return plan[0].parcel


def _round_up(value: Decimal) -> Decimal:
    """To the hundredth, upwards: a quote for a box a hair too small is a carrier adjustment later."""
    return value.quantize(_HUNDREDTHS, rounding=ROUND_CEILING)
