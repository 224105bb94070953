"""What TikTok is told: available stock minus the safety buffer, batched one call per product."""

from __future__ import annotations

from creatorflow.inventory import InventoryPolicy, StockLevel, listed_quantity, low_stock, plan_pushes

POLICY = InventoryPolicy(safety_buffer=5, low_stock_threshold=10)


def level(
    sku_id: str, product_id: str, on_hand: int, reserved: int = 0, told: int | None = None
) -> StockLevel:
    return StockLevel(
        shop_id="shop-1",
        product_id=product_id,
        sku_id=sku_id,
        warehouse_id="wh-1",
        on_hand=on_hand,
        reserved=reserved,
        tiktok_quantity=told,
    )


def test_tiktok_is_offered_available_stock_less_the_buffer_never_below_zero() -> None:
    assert listed_quantity(level("s1", "p1", on_hand=300, reserved=100), POLICY) == 195
    assert listed_quantity(level("s1", "p1", on_hand=3), POLICY) == 0
    assert listed_quantity(level("s1", "p1", on_hand=300, reserved=301), POLICY) == 0


def test_changed_skus_are_pushed_once_per_product_and_unchanged_ones_not_at_all() -> None:
    levels = [
        level("a1", "pA", on_hand=50, told=40),  # changed: 45
        level("a2", "pA", on_hand=20, told=15),  # unchanged
        level("b1", "pB", on_hand=100, reserved=10, told=90),  # changed: 85
        level("c1", "pC", on_hand=5, told=3),  # wants 0: Update Inventory takes only 1..99999
        level("d1", "pD", on_hand=9, told=None).model_copy(update={"active": False}),  # TikTok refuses it
    ]
    plans = plan_pushes(levels, POLICY)
    assert [(plan.product_id, [(sku.sku_id, sku.quantity) for sku in plan.skus]) for plan in plans] == [
        ("pA", [("a1", 45)]),
        ("pB", [("b1", 85)]),
    ]


def test_low_stock_counts_what_is_available_not_what_is_on_the_shelf() -> None:
    levels = [level("a", "p", on_hand=100, reserved=95), level("b", "p", on_hand=11)]
    assert [found.sku_id for found in low_stock(levels, POLICY)] == ["a"]
