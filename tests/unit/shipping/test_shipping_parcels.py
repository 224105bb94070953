"""Building the box from line items and product package data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorflow.shipping.errors import ParcelTooHeavyError
from creatorflow.shipping.parcels import (
    ItemToPack,
    LengthUnit,
    PackageSpec,
    ParcelDefaults,
    WeightUnit,
    build_parcel,
)

MUG = PackageSpec(weight=Decimal(14), length=Decimal(4), width=Decimal(6), height=Decimal(5))  # oz, in
TEE = PackageSpec(
    weight=Decimal("0.2"),
    weight_unit=WeightUnit.KILOGRAM,
    length=Decimal(30),
    width=Decimal(2),
    height=Decimal(25),
    length_unit=LengthUnit.CENTIMETER,
)


def test_items_are_stacked_flat_and_weighed_with_the_packaging() -> None:
    parcel = build_parcel(
        [ItemToPack(sku="mug", quantity=2), ItemToPack(sku="tee", quantity=1)], {"mug": MUG, "tee": TEE}
    )

    # The tee lies flat: 30 x 25 cm on the floor (11.82 x 9.85 in), 2 cm (0.79 in) tall.
    assert parcel.length_in == Decimal("11.82")
    assert parcel.width_in == Decimal("9.85")
    assert parcel.height_in == Decimal("4") * 2 + Decimal("0.79")  # mugs lie on their 6 x 5 side
    assert parcel.weight_oz == Decimal(14) * 2 + Decimal("7.06") + ParcelDefaults().packaging_oz


def test_products_without_package_data_use_the_defaults() -> None:
    defaults = ParcelDefaults()
    parcel = build_parcel([ItemToPack(sku="unknown", quantity=3)], {})
    assert parcel.weight_oz == defaults.item.weight_oz * 3 + defaults.packaging_oz
    assert (parcel.length_in, parcel.width_in, parcel.height_in) == (Decimal(6), Decimal(4), Decimal(6))


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        build_parcel([], {"mug": MUG})
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        ItemToPack(sku="mug", quantity=0)
    with pytest.raises(ValueError, match="greater than 0"):
        PackageSpec(weight=Decimal(0), length=Decimal(1), width=Decimal(1), height=Decimal(1))
    with pytest.raises(ParcelTooHeavyError, match="over the 1120 oz limit") as raised:
        build_parcel([ItemToPack(sku="mug", quantity=100)], {"mug": MUG})
    assert not raised.value.retryable
