"""The parcel an order ships as, from its line items, their package data and the shop's boxes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorflow.shipping.errors import ParcelTooHeavyError
from creatorflow.shipping.parcels import (
    BoxPreset,
    ItemToPack,
    LengthUnit,
    PackageSpec,
    PackageUnknownError,
    SplitNeededError,
    Stacking,
    WeightUnit,
    parcel_for_order,
    stacked_parcel,
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
    parcel = stacked_parcel(
        [ItemToPack(sku="mug", quantity=2), ItemToPack(sku="tee", quantity=1)], {"mug": MUG, "tee": TEE}
    )

    # The tee lies flat: 30 x 25 cm on the floor (11.82 x 9.85 in), 2 cm (0.79 in) tall.
    assert parcel.length_in == Decimal("11.82")
    assert parcel.width_in == Decimal("9.85")
    assert parcel.height_in == Decimal("4") * 2 + Decimal("0.79")  # mugs lie on their 6 x 5 side
    assert parcel.weight_oz == Decimal(14) * 2 + Decimal("7.06") + Stacking().packaging_oz


def test_products_without_package_data_are_named_never_guessed() -> None:
    items = [
        ItemToPack(sku="mug", quantity=1),
        ItemToPack(sku="blender", quantity=1),
        ItemToPack(sku="x", quantity=2),
    ]
    for build in (
        lambda: stacked_parcel(items, {"mug": MUG}),
        lambda: parcel_for_order(items, {"mug": MUG}, [SHOEBOX]),
    ):
        with pytest.raises(
            PackageUnknownError, match="no package weight and dimensions for SKU blender, x"
        ) as e:
            build()
        assert not e.value.retryable and e.value.skus == ["blender", "x"]


SHOEBOX = BoxPreset(
    name="shoebox",
    length=Decimal(14),
    width=Decimal(8),
    height=Decimal(5),
    empty_weight=Decimal(6),
    max_weight=Decimal(320),
)


def test_an_order_ships_in_the_smallest_box_it_fits_or_its_own_packages_without_boxes() -> None:
    one_mug = [ItemToPack(sku="mug", quantity=1)]
    assert parcel_for_order(one_mug, {"mug": MUG}, []) == stacked_parcel(one_mug, {"mug": MUG})
    parcel = parcel_for_order(one_mug, {"mug": MUG}, [SHOEBOX])
    assert (parcel.length_in, parcel.width_in, parcel.height_in) == (Decimal(14), Decimal(8), Decimal(5))
    assert parcel.weight_oz == MUG.weight_oz + SHOEBOX.empty_oz


def test_an_order_that_needs_several_boxes_is_refused_with_the_plan() -> None:
    with pytest.raises(SplitNeededError, match=r"need 3 boxes: shoebox \(2 items\), shoebox") as raised:
        parcel_for_order([ItemToPack(sku="mug", quantity=6)], {"mug": MUG}, [SHOEBOX])
    assert not raised.value.retryable
    assert sum(item.quantity for parcel in raised.value.plan for item in parcel.items) == 6


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        stacked_parcel([], {"mug": MUG})
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        ItemToPack(sku="mug", quantity=0)
    with pytest.raises(ValueError, match="greater than 0"):
        PackageSpec(weight=Decimal(0), length=Decimal(1), width=Decimal(1), height=Decimal(1))
    with pytest.raises(ParcelTooHeavyError, match="over the 1120 oz limit") as raised:
        stacked_parcel([ItemToPack(sku="mug", quantity=100)], {"mug": MUG})
    assert not raised.value.retryable
