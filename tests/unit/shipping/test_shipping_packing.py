"""Parcels from real package data: TikTok's units, seller overrides, box presets, splits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorflow.domain import Parcel
from creatorflow.shipping.errors import NonRetryableShippingError
from creatorflow.shipping.parcels import (
    BoxPreset,
    ItemTooLargeError,
    ItemToPack,
    LengthUnit,
    PackageData,
    PackageSpec,
    PackageUnknownError,
    WeightUnit,
    plan_parcels,
    resolve_packages,
    to_inches,
    to_ounces,
)

# Get Product (202309) returns the package on the product, values as strings.
SERUM_JSON = {
    "package_weight": {"value": "0.25", "unit": "POUND"},
    "package_dimensions": {"length": "6", "width": "2", "height": "2", "unit": "INCH"},
}
TOTE_JSON = {
    "package_weight": {"value": "450", "unit": "GRAM"},
    "package_dimensions": {"length": "38", "width": "30", "height": "3", "unit": "CENTIMETER"},
}
MUG = PackageSpec(weight=Decimal(14), length=Decimal(4), width=Decimal(6), height=Decimal(5))
SMALL = BoxPreset(
    name="small",
    length=Decimal(8),
    width=Decimal(6),
    height=Decimal(4),
    empty_weight=Decimal(3),
    max_weight=Decimal(320),
)
MEDIUM = BoxPreset(
    name="medium",
    length=Decimal(12),
    width=Decimal(10),
    height=Decimal(6),
    empty_weight=Decimal(6),
    max_weight=Decimal(640),
)
FLAT = BoxPreset(
    name="flat",
    length=Decimal(16),
    width=Decimal(13),
    height=Decimal(2),
    empty_weight=Decimal(2),
    max_weight=Decimal(160),
)
BOXES = [MEDIUM, FLAT, SMALL]


def test_tiktok_package_data_converts_exactly() -> None:
    serum = PackageData.model_validate(SERUM_JSON).spec()
    assert serum.weight_oz == Decimal(4)
    assert serum.sides_in == (Decimal(6), Decimal(2), Decimal(2))
    tote = PackageData.model_validate(TOTE_JSON).spec()
    assert tote.weight_unit is WeightUnit.GRAM and tote.length_unit is LengthUnit.CENTIMETER
    assert to_inches(Decimal("2.54"), LengthUnit.CENTIMETER) == Decimal(1)
    assert to_ounces(Decimal("453.59237"), WeightUnit.GRAM) == Decimal(16)
    assert to_ounces(Decimal(1), WeightUnit.KILOGRAM).quantize(Decimal("0.0001")) == Decimal("35.2740")


def test_tiktok_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="KILOGRAM"):
        PackageData.model_validate({**SERUM_JSON, "package_weight": {"value": "1", "unit": "OUNCE"}})
    with pytest.raises(ValueError, match="greater than 0"):
        PackageData.model_validate({**SERUM_JSON, "package_weight": {"value": "0", "unit": "POUND"}})
    with pytest.raises(ValueError, match="Extra inputs"):
        PackageData.model_validate({**SERUM_JSON, "package_volume": "1"})


def test_the_seller_override_wins_over_tiktok() -> None:
    tiktok = {"serum": PackageData.model_validate(SERUM_JSON), "tote": PackageData.model_validate(TOTE_JSON)}
    heavier = PackageSpec(weight=Decimal(6), length=Decimal(6), width=Decimal(2), height=Decimal(2))
    packages = resolve_packages(tiktok, {"serum": heavier, "mug": MUG})
    assert packages["serum"] == heavier and packages["mug"] == MUG
    assert packages["tote"] == tiktok["tote"].spec()


def test_an_order_goes_in_the_smallest_box_it_fits_plus_the_box_weight() -> None:
    packages = {"serum": PackageData.model_validate(SERUM_JSON).spec(), "mug": MUG}
    [only] = plan_parcels([ItemToPack(sku="serum", quantity=3)], packages, BOXES)
    # three 6x2x2 serums lie side by side on the small box's 8 x 6 floor
    assert only.box == "small"
    assert only.parcel == Parcel(
        length_in=Decimal(8), width_in=Decimal(6), height_in=Decimal(4), weight_oz=Decimal(15)
    )
    assert only.items == (ItemToPack(sku="serum", quantity=3),)

    [both] = plan_parcels(
        [ItemToPack(sku="mug", quantity=2), ItemToPack(sku="serum", quantity=1)], packages, BOXES
    )
    assert both.box == "medium" and both.parcel.weight_oz == 14 * 2 + 4 + 6


def test_items_are_turned_to_fit() -> None:
    """A 15 x 12 x 1.5 in item stands in no box upright, but lies flat in the flat box."""
    packages = {
        "print": PackageSpec(weight=Decimal(10), length=Decimal("1.5"), width=Decimal(15), height=Decimal(12))
    }
    [parcel] = plan_parcels([ItemToPack(sku="print", quantity=1)], packages, BOXES)
    assert parcel.box == "flat"


def test_an_order_too_big_for_one_box_is_split_first_fit_decreasing() -> None:
    packages = {"mug": MUG}
    parcels = plan_parcels([ItemToPack(sku="mug", quantity=9)], packages, BOXES)
    # medium holds two rows of two mugs lying 6x5 on its 12 x 10 floor, 4 in tall each: 4 mugs per box
    assert [p.box for p in parcels] == ["medium", "medium", "small"]
    assert [p.items for p in parcels] == [
        (ItemToPack(sku="mug", quantity=4),),
        (ItemToPack(sku="mug", quantity=4),),
        (ItemToPack(sku="mug", quantity=1),),
    ]
    assert sum(p.parcel.weight_oz for p in parcels) == 9 * 14 + 6 + 6 + 3


def test_the_weight_limit_splits_too() -> None:
    bricks = {
        "brick": PackageSpec(
            weight=Decimal(5),
            weight_unit=WeightUnit.POUND,
            length=Decimal(3),
            width=Decimal(2),
            height=Decimal(2),
        )
    }
    parcels = plan_parcels([ItemToPack(sku="brick", quantity=5)], bricks, [SMALL])
    # 20 lb per small box, 3 oz of it the box: three bricks fit, a fourth would pass the limit
    assert [p.items[0].quantity for p in parcels] == [3, 2]


def test_unknown_packages_park_the_order_naming_every_sku() -> None:
    with pytest.raises(PackageUnknownError, match="no package weight and dimensions for SKU a, b") as raised:
        plan_parcels(
            [
                ItemToPack(sku="b", quantity=1),
                ItemToPack(sku="mug", quantity=1),
                ItemToPack(sku="a", quantity=2),
            ],
            {"mug": MUG},
            BOXES,
        )
    assert raised.value.skus == ["a", "b"]
    assert isinstance(raised.value, NonRetryableShippingError)


def test_an_item_no_box_holds_is_a_clear_error() -> None:
    rug = PackageSpec(
        weight=Decimal(4),
        weight_unit=WeightUnit.POUND,
        length=Decimal(30),
        width=Decimal(6),
        height=Decimal(6),
    )
    with pytest.raises(ItemTooLargeError, match=r"SKU rug \(30.00 x 6.00 x 6.00 in, 64.0 oz\) fits none"):
        plan_parcels([ItemToPack(sku="rug", quantity=1)], {"rug": rug}, BOXES)
    anvil = PackageSpec(
        weight=Decimal(50),
        weight_unit=WeightUnit.POUND,
        length=Decimal(4),
        width=Decimal(4),
        height=Decimal(3),
    )
    with pytest.raises(ItemTooLargeError, match="SKU anvil"):
        plan_parcels([ItemToPack(sku="anvil", quantity=1)], {"anvil": anvil}, BOXES)
    with pytest.raises(ValueError, match="no box presets"):
        plan_parcels([ItemToPack(sku="mug", quantity=1)], {"mug": MUG}, [])


def test_a_box_must_hold_more_than_itself() -> None:
    with pytest.raises(ValueError, match="max weight must be more than the empty box weighs"):
        BoxPreset(
            name="x",
            length=Decimal(1),
            width=Decimal(1),
            height=Decimal(1),
            empty_weight=Decimal(5),
            max_weight=Decimal(5),
        )
