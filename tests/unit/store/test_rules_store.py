"""Shipping rules, box presets and package overrides per shop, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from creatorflow.shipping.parcels import BoxPreset, LengthUnit, PackageSpec, WeightUnit, to_inches, to_ounces
from creatorflow.shipping.rules import ShippingRule
from creatorflow.store import Store
from creatorflow.tiktok.models import Product

NO_UPS = ShippingRule(name="no UPS under 1 lb", weight_under_oz=Decimal(16), deny_carriers=frozenset({"UPS"}))
CAP = ShippingRule(name="cap", price_cap=Decimal("12.50"))


@pytest.fixture
def rules(store: Store) -> Store:
    return store


def test_rules_keep_their_order_per_shop(rules: Store) -> None:
    rules.add_rule("shop-1", NO_UPS)
    rules.add_rule("shop-1", CAP.model_dump())
    fast = rules.add_rule("shop-1", {"name": "fast", "max_delivery_days": 3}, position=0)
    rules.add_rule("shop-2", CAP)
    assert rules.rules("shop-1") == [fast, NO_UPS, CAP]
    assert rules.rules("shop-2") == [CAP]

    rules.move_rule("shop-1", "FAST", 2)
    assert [rule.name for rule in rules.rules("shop-1")] == ["no UPS under 1 lb", "cap", "fast"]
    rules.remove_rule("shop-1", "cap")
    assert [rule.name for rule in rules.rules("shop-1")] == ["no UPS under 1 lb", "fast"]
    rules.add_rule("shop-1", CAP, position=1)
    assert [rule.name for rule in rules.rules("shop-1")] == ["no UPS under 1 lb", "cap", "fast"]


def test_a_bad_or_duplicate_rule_is_refused_and_nothing_is_stored(rules: Store) -> None:
    rules.add_rule("shop-1", NO_UPS)
    with pytest.raises(ValidationError, match="has no effect"):
        rules.add_rule("shop-1", {"name": "nothing"})
    with pytest.raises(ValueError, match="already has a rule named 'No UPS under 1 lb'"):
        rules.add_rule("shop-1", NO_UPS.model_copy(update={"name": "No UPS under 1 lb"}))
    with pytest.raises(KeyError, match="no rule named 'gone'"):
        rules.remove_rule("shop-1", "gone")
    assert rules.rules("shop-1") == [NO_UPS]


def test_the_rule_book_carries_the_default_service(rules: Store) -> None:
    rules.add_rule("shop-1", NO_UPS)
    assert rules.rule_book("shop-1").default_service is None
    rules.set_default_service("shop-1", "usps_ground_advantage")
    book = rules.rule_book("shop-1")
    assert book.rules == (NO_UPS,) and book.default_service == "usps_ground_advantage"
    rules.set_default_service("shop-1", None)
    assert rules.rule_book("shop-1").default_service is None


def test_boxes_come_back_smallest_first_and_replace_by_name(rules: Store) -> None:
    big = BoxPreset(
        name="big",
        length=Decimal(40),
        width=Decimal(30),
        height=Decimal(20),
        length_unit=LengthUnit.CENTIMETER,
        empty_weight=Decimal("0.3"),
        max_weight=Decimal(20),
        weight_unit=WeightUnit.KILOGRAM,
    )
    small = BoxPreset(
        name="small", length=Decimal(8), width=Decimal(6), height=Decimal(4), empty_weight=3, max_weight=320
    )
    rules.put_box("shop-1", big)
    rules.put_box("shop-1", small)
    assert rules.boxes("shop-1") == [small, big]
    sturdier = small.model_copy(update={"max_weight": Decimal(480)})
    rules.put_box("shop-1", sturdier)
    assert rules.boxes("shop-1") == [sturdier, big]
    rules.remove_box("shop-1", "big")
    assert rules.boxes("shop-1") == [sturdier] and rules.boxes("shop-2") == []
    with pytest.raises(KeyError, match="no box named 'big'"):
        rules.remove_box("shop-1", "big")


def test_package_overrides_per_sku(rules: Store) -> None:
    serum = PackageSpec(weight=Decimal(4), length=Decimal(6), width=Decimal(2), height=Decimal(2))
    rules.set_package("shop-1", "sku-1", serum)
    heavier = serum.model_copy(update={"weight": Decimal(5)})
    rules.set_package("shop-1", "sku-1", heavier)
    rules.set_package("shop-2", "sku-1", serum)
    assert rules.package_overrides("shop-1") == {"sku-1": heavier}
    rules.remove_package("shop-1", "sku-1")
    assert rules.package_overrides("shop-1") == {} and rules.package_overrides("shop-2") == {"sku-1": serum}
    with pytest.raises(KeyError, match="no package override for SKU 'sku-1'"):
        rules.remove_package("shop-1", "sku-1")


def test_a_skus_package_is_the_sellers_override_else_tiktoks_else_unknown(rules: Store) -> None:
    def product(product_id: str, sku: str, update_time: int, **package: object) -> Product:
        return Product.model_validate(
            {"id": product_id, "status": "ACTIVATE", "update_time": update_time, "skus": [{"id": sku}]}
            | package
        )

    blender = {
        "package_weight": {"value": "2.3", "unit": "KILOGRAM"},
        "package_dimensions": {"length": "30", "width": "20", "height": "40", "unit": "CENTIMETER"},
    }
    listed = [product(f"p-{sku}", sku, 100) for sku in ("blender", "tee", "mug")]
    rules.sync_catalog("shop-1", listed)
    assert rules.products_without_current_package("shop-1", listed) == ["p-blender", "p-tee", "p-mug"]
    rules.record_packages(
        "shop-1", [product("p-blender", "blender", 100, **blender), product("p-tee", "tee", 100)]
    )
    # Only what TikTok changed since (or never read) is read again.
    changed = [product(f"p-{sku}", sku, 200 if sku == "tee" else 100) for sku in ("blender", "tee", "mug")]
    assert rules.products_without_current_package("shop-1", changed) == ["p-tee", "p-mug"]

    tee = PackageSpec(weight=Decimal(5), length=Decimal(10), width=Decimal(8), height=Decimal(1))
    rules.set_package("shop-1", "tee", tee)
    packages = rules.packages("shop-1", {sku: f"p-{sku}" for sku in ("blender", "tee", "mug")})
    assert packages["tee"] == tee  # TikTok has none: the seller's
    assert packages["blender"].weight_oz == to_ounces(Decimal("2.3"), WeightUnit.KILOGRAM)  # TikTok's
    assert packages["blender"].sides_in == tuple(
        to_inches(Decimal(side), LengthUnit.CENTIMETER) for side in (40, 30, 20)
    )
    assert "mug" not in packages  # neither: unknown, never a default
    assert rules.packages("shop-2", {"blender": "p-blender"}) == {}
    # Asked for by an order: TikTok had no package data for these when read, or was never asked.
    assert rules.products_without_package("shop-1", ["p-blender", "p-tee", "p-new"]) == ["p-tee", "p-new"]
