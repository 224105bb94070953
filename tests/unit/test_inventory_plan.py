"""What TikTok is told: available stock minus the safety buffer, batched one call per product, and which
products go off sale (nothing to offer) or back on it."""

from __future__ import annotations

from creatorflow.inventory import (
    InventoryPolicy,
    StockLevel,
    StockPlan,
    listed_quantity,
    low_stock,
    plan_stock,
)

POLICY = InventoryPolicy(safety_buffer=5, low_stock_threshold=10)


def level(
    sku_id: str,
    product_id: str,
    on_hand: int,
    reserved: int = 0,
    told: int | None = None,
    warehouse_id: str = "wh-1",
) -> StockLevel:
    return StockLevel(
        shop_id="shop-1",
        product_id=product_id,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        on_hand=on_hand,
        reserved=reserved,
        tiktok_quantity=told,
    )


def test_tiktok_is_offered_available_stock_less_the_buffer_never_below_zero() -> None:
    assert listed_quantity(level("s1", "p1", on_hand=300, reserved=100), POLICY) == 195
    assert listed_quantity(level("s1", "p1", on_hand=3), POLICY) == 0
    assert listed_quantity(level("s1", "p1", on_hand=300, reserved=301), POLICY) == 0


def pushed(plan: StockPlan) -> list[tuple[str, bool, list[tuple[str, int]]]]:
    """Each push's SKUs with their quantity, for plans of single-warehouse SKUs."""
    return [
        (push.product_id, push.activate, [(sku.sku_id, sku.inventory[0].quantity) for sku in push.skus])
        for push in plan.pushes
    ]


def test_changed_skus_are_pushed_once_per_product_and_unchanged_ones_not_at_all() -> None:
    levels = [
        level("a1", "pA", on_hand=50, told=40),  # changed: 45
        level("a2", "pA", on_hand=20, told=15),  # unchanged
        level("b1", "pB", on_hand=100, reserved=10, told=90),  # changed: 85
        level("c1", "pC", on_hand=5, told=3),  # wants 0: Update Inventory takes only 1..99999
        level("c2", "pC", on_hand=8, told=2),  # changed: 3
        level("d1", "pD", on_hand=9, told=None).model_copy(update={"active": False}),  # TikTok refuses it
    ]
    plan = plan_stock(levels, POLICY)
    assert pushed(plan) == [
        ("pA", False, [("a1", 45)]),
        ("pB", False, [("b1", 85)]),
        ("pC", False, [("c2", 3)]),
    ]
    assert plan.deactivate == []


def test_a_product_with_nothing_to_offer_on_any_sku_goes_off_sale() -> None:
    levels = [
        level("a1", "pA", on_hand=0, told=45),  # an operator's count of 0
        level("b1", "pB", on_hand=20, reserved=16, told=4),  # reservations and the buffer eat it all
        level("b2", "pB", on_hand=5, told=1),
        level("c1", "pC", on_hand=5, told=1),  # at 0, but its sibling still sells: stays on sale
        level("c2", "pC", on_hand=7, told=2),
    ]
    plan = plan_stock(levels, POLICY)
    assert plan.deactivate == ["pA", "pB"]
    assert pushed(plan) == []


def off_sale(sku_id: str, product_id: str, on_hand: int, *, ours: bool) -> StockLevel:
    return level(sku_id, product_id, on_hand, told=40).model_copy(
        update={"active": False, "stock_deactivated": ours}
    )


def test_a_product_we_took_off_sale_comes_back_with_its_quantities_once_a_sku_has_stock() -> None:
    levels = [
        off_sale("a1", "pA", on_hand=3, ours=True),  # still nothing to offer: stays off sale
        off_sale("b1", "pB", on_hand=10, ours=True),  # restocked: activate, then push 5
        off_sale("b2", "pB", on_hand=0, ours=True),  # 0 cannot be pushed
        off_sale("c1", "pC", on_hand=45, ours=True),  # TikTok still holds 40: activate only
    ]
    plan = plan_stock(levels, POLICY)
    assert pushed(plan) == [("pB", True, [("b1", 5)]), ("pC", True, [])]
    assert plan.deactivate == []


def test_a_product_the_seller_took_off_sale_is_left_alone_whatever_its_stock() -> None:
    levels = [off_sale("a1", "pA", on_hand=500, ours=False), off_sale("b1", "pB", on_hand=0, ours=False)]
    assert plan_stock(levels, POLICY) == StockPlan()


def test_low_stock_counts_what_is_available_not_what_is_on_the_shelf() -> None:
    levels = [
        level("a", "p", on_hand=100, reserved=95),
        level("a", "p", on_hand=3, warehouse_id="wh-2"),  # low in two warehouses: named once
        level("b", "p", on_hand=11),
    ]
    assert low_stock(levels, POLICY) == ["a"]


def test_a_sku_in_several_warehouses_is_pushed_with_every_warehouse_tiktok_lists() -> None:
    levels = [
        level("a1", "pA", on_hand=50, told=45, warehouse_id="wh-1"),  # unchanged, but listed
        level("a1", "pA", on_hand=30, told=40, warehouse_id="wh-2"),  # changed: 25
        level("a1", "pA", on_hand=9, told=9, warehouse_id="wh-old").model_copy(update={"assigned": False}),
        level("b1", "pA", on_hand=20, told=15, warehouse_id="wh-1"),  # unchanged in both: not pushed
        level("b1", "pA", on_hand=10, told=5, warehouse_id="wh-2"),
    ]
    plan = plan_stock(levels, POLICY)
    [push] = plan.pushes
    assert [(sku.sku_id, [(w.warehouse_id, w.quantity) for w in sku.inventory]) for sku in push.skus] == [
        ("a1", [("wh-1", 45), ("wh-2", 25)])
    ]


def test_a_warehouse_at_zero_keeps_tiktoks_quantity_and_one_tiktok_shows_empty_blocks_the_sku() -> None:
    kept = [
        level("a1", "pA", on_hand=50, told=40, warehouse_id="wh-1"),  # changed: 45
        level("a1", "pA", on_hand=2, told=7, warehouse_id="wh-2"),  # wants 0: TikTok keeps its 7
    ]
    [push] = plan_stock(kept, POLICY).pushes
    assert [(w.warehouse_id, w.quantity) for w in push.skus[0].inventory] == [("wh-1", 45), ("wh-2", 7)]

    blocked = [
        level("a1", "pA", on_hand=50, told=40, warehouse_id="wh-1"),
        level("a1", "pA", on_hand=2, told=0, warehouse_id="wh-2"),  # 0 there, and 0 cannot be sent
    ]
    plan = plan_stock(blocked, POLICY)
    assert pushed(plan) == [] and len(plan.unpushable) == 1 and "wh-2" in plan.unpushable[0]
