"""A parcel plan as TikTok split groups: which line items go in which box, the same every time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorflow.domain import Parcel
from creatorflow.orders import FulfillmentMode, LineItemRef, OrderItem, OrderSnapshot
from creatorflow.packages import PlanMismatchError, items_of, packages_for_plan
from creatorflow.shipping.parcels import ItemToPack, PlannedParcel

BOX = Parcel(length_in=Decimal(12), width_in=Decimal(7), height_in=Decimal(7), weight_oz=Decimal(72))


def order(*lines: tuple[str, str]) -> OrderSnapshot:
    skus = dict.fromkeys(sku for _, sku in lines)
    return OrderSnapshot(
        shop_id="shop",
        order_id="o1",
        tiktok_status="AWAITING_SHIPMENT",
        update_time=1,
        mode=FulfillmentMode.SELLER_SHIPPED,
        items=[
            OrderItem(sku_id=sku, seller_sku=sku.upper(), quantity=sum(1 for _, s in lines if s == sku))
            for sku in skus
        ],
        line_items=[LineItemRef(id=item_id, sku_id=sku, package_id="p0") for item_id, sku in lines],
    )


def box(**quantities: int) -> PlannedParcel:
    return PlannedParcel(
        box="mug box", items=tuple(ItemToPack(sku=s, quantity=q) for s, q in quantities.items()), parcel=BOX
    )


def test_each_box_takes_line_items_of_its_skus_in_tiktoks_order_with_stable_group_ids() -> None:
    snapshot = order(("l1", "mug"), ("l2", "tee"), ("l3", "mug"), ("l4", "mug"))
    plan = [box(mug=2), box(mug=1, tee=1)]
    first, second = packages_for_plan(plan, snapshot)
    assert (first.group_id, first.line_item_ids, first.index) == ("parcel-1", ["l1", "l3"], 0)
    assert (second.group_id, second.line_item_ids, second.index) == ("parcel-2", ["l4", "l2"], 1)
    assert [(i.sku_id, i.quantity, i.seller_sku) for i in second.items] == [
        ("mug", 1, "MUG"),
        ("tee", 1, "TEE"),
    ]
    assert first.parcel == BOX and first.package_id == "" and not first.shipped
    assert packages_for_plan(plan, snapshot) == [first, second]


def test_a_plan_that_does_not_cover_the_order_exactly_is_refused() -> None:
    snapshot = order(("l1", "mug"), ("l2", "mug"), ("l3", "mug"))
    with pytest.raises(PlanMismatchError, match="box 2 holds 2 of SKU mug; the order has 1"):
        packages_for_plan([box(mug=2), box(mug=2)], snapshot)
    with pytest.raises(PlanMismatchError, match=r"line items \['l3'\] are in no planned box"):
        packages_for_plan([box(mug=1), box(mug=1)], snapshot)


def test_the_items_of_some_line_items_are_counted_per_sku() -> None:
    snapshot = order(("l1", "mug"), ("l2", "tee"), ("l3", "mug"))
    assert [(i.sku_id, i.quantity) for i in items_of(snapshot, ["l1", "l3"])] == [("mug", 2)]
    assert [(i.sku_id, i.quantity) for i in items_of(snapshot, ["l2", "l3"])] == [("mug", 1), ("tee", 1)]
