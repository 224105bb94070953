"""An order over one box ships as several packages: split on TikTok, one label and tracking number each,
delivered when every package is; and what cannot be split parks with the reason. Through the real API,
workflows, activities and emulators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from activities import contracts
from creatorflow.domain import TrackingStatus
from creatorflow.order_requests import HoldRequest
from creatorflow.orders import FulfillmentState, OrderState
from creatorflow.shipping.parcels import BoxPreset
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import SplitGroup
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, carrier_traffic, tiktok_package
from tests.e2e.test_order_lifecycle import labels_sold, ship_calls, shipped_path
from tests.e2e.test_webhooks_and_operators import handle_of, state_of, status_is
from workflows.order import OrderWorkflow

# Two 2 lb mugs fill the box by weight: four need two boxes.
MUG = tiktok_package("2", ("6", "6", "6"))
MUG_BOX = BoxPreset(
    name="mug box",
    length=Decimal(12),
    width=Decimal(7),
    height=Decimal(7),
    empty_weight=Decimal(8),
    max_weight=Decimal(72),
)


async def ordered(stack: Stack, shop: SandboxShop, title: str, package: dict[str, Any], quantity: int) -> str:
    product = await stack.control.create_product(
        shop.shop_id, title, [{"seller_sku": title.upper(), "price": "12.00", "stock": 50}], package
    )
    sku_id = product.skus[0].id
    [order] = await stack.control.create_orders(
        shop.shop_id, sku_id, items=[{"sku_id": sku_id, "quantity": quantity}]
    )
    return str(order["id"])


async def test_an_order_needing_two_boxes_ships_as_two_tiktok_packages_each_with_its_label(
    stack: Stack, shop: SandboxShop
) -> None:
    stack.store.put_box(shop.shop_id, MUG_BOX)
    order_id = await ordered(stack, shop, "Mug", MUG, quantity=4)
    handle = handle_of(stack, shop, order_id)
    state: OrderState | None = await eventually(
        lambda: state_of(handle), status_is(FulfillmentState.SHIPPED), timeout=60
    )
    assert state is not None and len(state.packages) == 2 and state.label is None
    tiktok = (await stack.control.order(order_id))["order"]
    assert tiktok["status"] == "AWAITING_COLLECTION" and tiktok["split_or_combine_tag"] == "SPLIT"
    assert [p["id"] for p in tiktok["packages"]] == [p.package_id for p in state.packages]
    tracking_of_item = {item["id"]: item["tracking_number"] for item in tiktok["line_items"]}
    for package in state.packages:
        assert package.shipped and package.label is not None and package.box == "mug box"
        assert [item.quantity for item in package.items] == [2]
        assert package.parcel.weight_oz == Decimal(72)  # the planned box: two mugs and the box itself
        assert {tracking_of_item[i] for i in package.line_item_ids} == {package.label.tracking_number}
    # One label per package, each sold once, each told to TikTok once with that package's line items.
    sold = await labels_sold(stack)
    assert {sold[p.label.rate.shipment_id] for p in state.packages if p.label} == {1}
    rows = stack.store.labels(order_id=order_id)
    assert sorted(r.tracking_number for r in rows) == sorted(p.tracking_number for p in state.packages)
    assert (await ship_calls(stack))[shipped_path(order_id)] == 2

    async with carrier_traffic(stack, shop.shop_id):
        delivered = await eventually(
            lambda: state_of(handle), status_is(FulfillmentState.DELIVERED), timeout=60
        )
    assert delivered is not None
    assert {p.tracking_status for p in delivered.packages} == {TrackingStatus.DELIVERED}


async def test_an_order_over_one_parcels_weight_with_no_boxes_to_split_into_parks(
    stack: Stack, shop: SandboxShop
) -> None:
    order_id = await ordered(stack, shop, "Anvil", tiktok_package("40", ("12", "8", "8")), quantity=2)
    handle = handle_of(stack, shop, order_id)
    parked = await eventually(
        lambda: state_of(handle), status_is(FulfillmentState.NEEDS_ATTENTION), timeout=60
    )
    assert parked is not None and parked.attention is not None
    assert (
        parked.attention.reason == contracts.SPLIT_NEEDED
        and "limit for one parcel" in parked.attention.message
    )
    assert parked.packages == [] and stack.store.labels(order_id=order_id) == []
    assert len((await stack.control.order(order_id))["order"]["packages"]) == 1


async def test_an_order_the_seller_split_on_tiktok_before_we_bought_ships_as_tiktoks_packages(
    stack: Stack, shop: SandboxShop
) -> None:
    [order] = await stack.control.create_orders(
        shop.shop_id, shop.sku_id, paid=False, items=[{"sku_id": shop.sku_id, "quantity": 3}]
    )
    handle = handle_of(stack, shop, order["id"])
    await eventually(lambda: state_of(handle), status_is(FulfillmentState.AWAITING_PAYMENT))
    await handle.execute_update(OrderWorkflow.hold, HoldRequest(reason="the seller packs this one by hand"))
    await stack.control.act(order["id"], "pay")
    awaiting = await eventually(
        lambda: stack.control.order(order["id"]), lambda o: o["order"]["status"] == "AWAITING_SHIPMENT"
    )
    items = [item["id"] for item in awaiting["order"]["line_items"]]
    # The seller splits it in Seller Center: one serum, then two.
    async with TikTokShopClient(stack.settings.tiktok) as tiktok:
        made = await tiktok.split_order(
            stack.store.tokens(shop.shop_id).credentials(),
            order["id"],
            [
                SplitGroup(id="a", order_line_item_ids=items[:1]),
                SplitGroup(id="b", order_line_item_ids=items[1:]),
            ],
        )
    await handle.execute_update(OrderWorkflow.release)

    state = await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED), timeout=60)
    assert state is not None and state.label is None
    assert [p.package_id for p in state.packages] == [p.id for p in made]
    assert [p.line_item_ids for p in state.packages] == [items[:1], items[1:]]
    tiktok_order = (await stack.control.order(order["id"]))["order"]
    assert tiktok_order["status"] == "AWAITING_COLLECTION" and len(tiktok_order["packages"]) == 2
    tracking_of_item = {item["id"]: item["tracking_number"] for item in tiktok_order["line_items"]}
    for package in state.packages:
        assert package.label is not None
        assert {tracking_of_item[i] for i in package.line_item_ids} == {package.label.tracking_number}
    assert len(stack.store.labels(order_id=order["id"])) == 2
