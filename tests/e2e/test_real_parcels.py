"""Labels for the real parcel, chosen by the shop's rules: through the real API, workflows, activities and
emulators (TikTok Shop's package data, Shippo and EasyPost pricing by weight, size and distance)."""

from __future__ import annotations

from decimal import Decimal

from activities import contracts
from creatorflow.domain import Provider
from creatorflow.order_requests import RetryRequest
from creatorflow.orders import FulfillmentState
from creatorflow.reports import shipping_report
from creatorflow.shipping.base import ShipmentRequest
from creatorflow.shipping.parcels import ItemToPack, PackageSpec, stacked_parcel
from creatorflow.shipping.providers import carrier_for
from creatorflow.shipping.rules import ShippingRule
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop, tiktok_package
from tests.e2e.test_order_lifecycle import labels_sold
from tests.e2e.test_webhooks_and_operators import handle_of, state_of, status_is
from workflows.order import OrderWorkflow


async def test_an_order_for_a_product_without_package_data_parks_until_the_seller_sets_it(
    stack: Stack, shop: SandboxShop
) -> None:
    product = await stack.control.create_product(
        shop.shop_id, "Mystery Box", [{"seller_sku": "MYSTERY", "price": "40.00", "stock": 10}]
    )  # listed on TikTok without package weight or dimensions, after the catalog was synced
    sku_id = product.skus[0].id
    [order] = await stack.control.create_orders(shop.shop_id, sku_id)
    handle = handle_of(stack, shop, order["id"])
    parked = await eventually(lambda: state_of(handle), status_is(FulfillmentState.NEEDS_ATTENTION))
    assert parked is not None and parked.attention is not None
    assert parked.attention.reason == contracts.PACKAGE_UNKNOWN and sku_id in parked.attention.message
    assert stack.store.labels(order_id=order["id"]) == []

    # `creatorflow rules packages set`: a 3 lb box of 12 x 10 x 8 in; then an operator retries.
    stack.store.set_package(
        shop.shop_id,
        sku_id,
        PackageSpec(weight=Decimal(48), length=Decimal(12), width=Decimal(10), height=Decimal(8)),
    )
    await handle.execute_update(OrderWorkflow.retry, RetryRequest())
    shipped = await eventually(lambda: state_of(handle), status_is(FulfillmentState.SHIPPED))
    assert shipped is not None and shipped.label is not None


async def test_a_heavier_product_costs_more_and_the_shops_rules_choose_and_say_why(
    stack: Stack, shop: SandboxShop
) -> None:
    kettle = await stack.control.create_product(
        shop.shop_id,
        "Steel Kettle",
        [{"seller_sku": "KETTLE", "price": "60.00", "stock": 10}],
        tiktok_package("4.5", ("10", "9", "9")),
    )
    stack.store.set_default_service(shop.shop_id, "usps_priority")  # the seller's usual service
    stack.store.add_rule(shop.shop_id, ShippingRule(name="no UPS", deny_carriers=frozenset({"UPS"})))

    [light] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    [heavy] = await stack.control.create_orders(shop.shop_id, kettle.skus[0].id)
    states = []
    for order in (light, heavy):
        handle = handle_of(stack, shop, order["id"])
        state = await eventually(
            lambda h=handle: state_of(h), status_is(FulfillmentState.SHIPPED), timeout=60
        )
        assert state is not None and state.label is not None and state.rate is not None
        states.append(state)
    # The kettle was quoted as a 4.5 lb kettle: the same service costs less for a serum to the same buyer.
    heavy_state = states[1]
    assert heavy_state.label is not None and heavy_state.order is not None
    assert heavy_state.order.recipient is not None
    serum = PackageSpec(weight=Decimal("5.6"), length=Decimal(6), width=Decimal("2.5"), height=Decimal("2.5"))
    chosen = heavy_state.label.rate
    quotes = await carrier_for(chosen.provider, stack.settings).quote(
        ShipmentRequest(
            from_address=stack.store.ship_from(shop.shop_id, heavy_state.order.warehouse_id),
            to_address=heavy_state.order.recipient,
            parcel=stacked_parcel([ItemToPack(sku="serum", quantity=1)], {"serum": serum}),
            reference="what a serum would cost",
        )
    )
    [same_service] = [quote for quote in quotes if quote.service == chosen.service]
    assert same_service.amount < chosen.amount
    for state in states:
        assert state.label is not None and state.label.rate.carrier != "UPS" and state.rate is not None
        ups = [v for v in state.rate.explanation.verdicts if v.rate.carrier == "UPS"]
        assert ups and all((v.rejected_because or "").endswith("by rule 'no UPS'") for v in ups)
        assert state.rate.explanation.summary.startswith(f"chose {state.label.rate.carrier}")
        baseline = state.rate.explanation.baseline  # the default service, as quoted before any rule
        assert baseline is not None and baseline.service == "usps_priority"

    # What the choice saved against the seller's usual service, per label and in the report.
    rows = {row.order_id: row for row in stack.store.labels(shop_id=shop.shop_id)}
    for order, state in zip((light, heavy), states, strict=True):
        row = rows[order["id"]]
        assert state.rate is not None and state.rate.explanation.baseline is not None
        assert row.baseline_cost == state.rate.explanation.baseline.amount
        assert row.baseline_cost is not None and row.baseline_cost >= row.cost
    [outbound] = shipping_report(stack.store, shop_id=shop.shop_id).groups
    assert outbound.with_baseline == 2 and outbound.without_baseline == 0
    assert outbound.baseline_cost == sum(
        (rows[o["id"]].baseline_cost or 0 for o in (light, heavy)), Decimal(0)
    )
    assert outbound.savings == outbound.baseline_cost - outbound.spend_with_baseline > 0


async def test_a_us_and_a_gb_shop_side_by_side_each_ship_from_their_warehouse_in_their_currency(
    stack: Stack,
) -> None:
    shops = {
        "US": await connect_sandbox_shop(stack, "Glow Lab US", region="US"),
        "GB": await connect_sandbox_shop(stack, "Glow Lab UK", region="GB"),
    }
    currencies = {"US": "USD", "GB": "GBP"}
    for region, shop in shops.items():
        [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
        handle = handle_of(stack, shop, order["id"])
        state = await eventually(
            lambda h=handle: state_of(h), status_is(FulfillmentState.SHIPPED), timeout=60
        )
        assert state is not None and state.label is not None and state.order is not None
        assert state.order.currency == currencies[region]
        assert state.label.rate.currency == currencies[region]  # quoted and bought in the shop's currency
        assert all(v.rate.currency == currencies[region] for v in state.label.explanation.verdicts)
        origin = stack.store.ship_from(shop.shop_id, state.order.warehouse_id)
        assert origin.country == region  # from the shop's own warehouse, as TikTok lists it
        [row] = stack.store.labels(order_id=order["id"])
        assert (row.currency, row.cost) == (currencies[region], state.label.rate.amount)
    gb_carriers = {row.carrier for row in stack.store.labels(shop_id=shops["GB"].shop_id)}
    assert gb_carriers <= {"Royal Mail", "Evri", "DPD UK"}


async def test_tiktok_shipping_is_quoted_beside_the_carriers_and_bought_when_it_wins(
    stack: Stack, shop: SandboxShop
) -> None:
    """The shop signed up for TikTok Shipping: TikTok's price is weighed with Shippo's and EasyPost's by the
    same rules. Its ground service is cheaper for light parcels and dearer for heavy ones, so the serum goes
    with TikTok's label (its PDF kept by us, its package handed over on TikTok) and the blender with ours."""
    await stack.control.sign_up_for_tiktok_shipping(shop.shop_id)
    blender = await stack.control.create_product(
        shop.shop_id,
        "Blender",
        [{"seller_sku": "BLENDER", "price": "89.00", "stock": 10}],
        tiktok_package("9", ("16", "12", "12")),
    )
    [light] = await stack.control.create_orders(shop.shop_id, shop.sku_id)
    [heavy] = await stack.control.create_orders(shop.shop_id, blender.skus[0].id)
    shipped = status_is(FulfillmentState.SHIPPED, FulfillmentState.IN_TRANSIT, FulfillmentState.DELIVERED)
    states = {}
    for name, order in (("light", light), ("heavy", heavy)):
        handle = handle_of(stack, shop, order["id"])
        states[name] = await eventually(lambda h=handle: state_of(h), shipped, timeout=60)
    light_state, heavy_state = states["light"], states["heavy"]
    assert light_state is not None and light_state.label is not None and light_state.rate is not None
    assert heavy_state is not None and heavy_state.label is not None and heavy_state.rate is not None

    tiktok_label = light_state.label
    assert tiktok_label.rate.provider is Provider.TIKTOK
    quoted = {v.rate.provider for v in light_state.rate.explanation.verdicts}
    assert quoted == {Provider.TIKTOK, Provider.SHIPPO, Provider.EASYPOST}
    verdicts = light_state.rate.explanation.verdicts  # the cheapest of the quotes that arrive in time
    in_time = [
        v.rate for v in verdicts if v.rejected_because is None or v.rejected_because.endswith("costs more")
    ]
    assert tiktok_label.rate.amount == min(rate.amount for rate in in_time)
    document = stack.store.label_document(tiktok_label.label_id)
    assert document is not None and document.content.startswith(b"%PDF")
    tiktok_order = (await stack.control.order(light["id"]))["order"]
    assert tiktok_order["status"] in ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED")
    assert tiktok_order["tracking_number"] == tiktok_label.tracking_number
    [row] = stack.store.labels(order_id=light["id"])
    assert (row.provider, row.tracking_number) == ("tiktok", tiktok_label.tracking_number)
    # The carriers sold one label of the two: the blender's, on the shipment its label names.
    assert await labels_sold(stack) == {heavy_state.label.rate.shipment_id: 1}

    assert heavy_state.label.rate.provider in (Provider.SHIPPO, Provider.EASYPOST)
    tiktok_quotes = [v for v in heavy_state.rate.explanation.verdicts if v.rate.provider is Provider.TIKTOK]
    assert tiktok_quotes and all(v.rejected_because for v in tiktok_quotes)  # quoted, and lost on price
