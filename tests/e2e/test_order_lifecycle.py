"""Orders from TikTok's webhooks to the customer's door, through every real part."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx

from creatorflow.names import order_workflow_id
from creatorflow.orders import FulfillmentMode
from creatorflow.store.tables import OrderRecord
from creatorflow.tiktok.client import MARK_PACKAGE_SHIPPED
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, carrier_traffic
from workflows.search_attributes import (
    CARRIER,
    FULFILLMENT_MODE,
    FULFILLMENT_STATE,
    LABEL_COST_CENTS,
    ORDER_ID,
    SEARCH_ATTRIBUTES,
    SHIP_BY,
    SHOP_ID,
    TIKTOK_STATUS,
    TRACKING_NUMBER,
)


async def purchase_reports(stack: Stack) -> list[dict[str, Any]]:
    """Each carrier emulator's `/_admin/purchases`: every label it sold, with the buyer's reference."""
    async with httpx.AsyncClient() as http:
        return [(await http.get(f"{url}/_admin/purchases")).json() for url in stack.emulators.carrier_urls]


async def labels_sold(stack: Stack) -> dict[str, int]:
    """Labels each carrier emulator sold, per provider-side shipment."""
    sold: dict[str, int] = {}
    for report in await purchase_reports(stack):
        sold.update(report["by_shipment"])
    return sold


async def ship_calls(stack: Stack) -> Counter[str]:
    """TikTok's "mark package shipped" calls that took effect, per path: result code 0, whether answered
    or lost after the work by an injected fault (a refusal such as "already shipped" is HTTP 200 too)."""
    return Counter(
        call["path"]
        for call in await stack.control.ledger(shipped_path("*"))
        if call["method"] == MARK_PACKAGE_SHIPPED.method and call["code"] == 0
    )


def shipped_path(order_id: str) -> str:
    return MARK_PACKAGE_SHIPPED.path.format(order_id=order_id)


async def projections(stack: Stack, shop_id: str) -> list[OrderRecord]:
    return await asyncio.to_thread(stack.store.orders, shop_id)


def all_in(state: str, count: int):  # type: ignore[no-untyped-def]
    return lambda rows: len(rows) == count and all(row.state == state for row in rows)


async def search_attributes(stack: Stack, workflow_id: str) -> dict[str, Any]:
    """The workflow's own search attributes by name, as the server holds them (describe, not visibility),
    without those Temporal sets itself (BuildIds, TemporalChangeVersion)."""
    described = await stack.client.get_workflow_handle(workflow_id).describe()
    ours = {key.name for key in SEARCH_ATTRIBUTES}
    return {pair.key.name: pair.value for pair in described.typed_search_attributes if pair.key.name in ours}


async def found_by(stack: Stack, query: str) -> set[str]:
    """Workflow ids an operator's visibility query finds."""
    return {execution.id async for execution in stack.client.list_workflows(query)}


async def paid_until_shipped(stack: Stack, shop: SandboxShop, count: int, timeout: float) -> set[str]:
    """Ids of `count` orders buyers pay for, once the store shows every order of the shop SHIPPED."""
    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=count)
    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", count), timeout=timeout)
    return {order["id"] for order in created}


async def test_fifty_paid_orders_each_get_one_label_are_shipped_on_tiktok_and_delivered(
    stack: Stack, shop: SandboxShop
) -> None:
    order_ids = await paid_until_shipped(stack, shop, 50, timeout=90)

    labels = {label.order_id: label for label in stack.store.labels(shop_id=shop.shop_id)}
    assert set(labels) == order_ids
    for order in await stack.control.shop_orders(shop.shop_id):
        assert order["status"] == "AWAITING_COLLECTION"
        assert order["tracking_number"] == labels[order["id"]].tracking_number
    sold = await labels_sold(stack)
    assert sum(sold.values()) == 50 and set(sold.values()) == {1}
    assert await ship_calls(stack) == Counter(shipped_path(order_id) for order_id in order_ids)

    async with carrier_traffic(stack, shop.shop_id):
        await eventually(lambda: projections(stack, shop.shop_id), all_in("DELIVERED", 50), timeout=90)
    assert sum((await labels_sold(stack)).values()) == 50
    # Each milestone the quality metrics read was stamped once, in the order the order lived them.
    for record in await projections(stack, shop.shop_id):
        milestones = [
            record.paid_at,
            record.labelled_at,
            record.shipped_at,
            record.first_scan_at,
            record.delivered_at,
        ]
        assert None not in milestones and milestones == sorted(milestones), record


async def test_operators_see_a_shipped_orders_real_values_as_search_attributes_and_no_personal_data(
    stack: Stack, shop: SandboxShop
) -> None:
    order_ids = await paid_until_shipped(stack, shop, 3, timeout=60)

    on_tiktok = {order["id"]: order for order in await stack.control.shop_orders(shop.shop_id)}
    rows = {row.order_id: row for row in await projections(stack, shop.shop_id)}
    labels = {label.order_id: label for label in stack.store.labels(shop_id=shop.shop_id)}
    for order_id in order_ids:
        tiktok, row, label = on_tiktok[order_id], rows[order_id], labels[order_id]
        ship_by = datetime.fromtimestamp(tiktok["rts_sla_time"], UTC)
        assert row.tracking_number == label.tracking_number == tiktok["tracking_number"]
        assert (row.carrier, row.ship_by) == (label.carrier, ship_by)
        expected = {
            SHOP_ID.name: shop.shop_id,
            ORDER_ID.name: order_id,
            FULFILLMENT_STATE.name: row.state,
            TIKTOK_STATUS.name: tiktok["status"],
            FULFILLMENT_MODE.name: FulfillmentMode.SELLER_SHIPPED.value,
            CARRIER.name: label.carrier,
            TRACKING_NUMBER.name: tiktok["tracking_number"],
            SHIP_BY.name: ship_by,
            LABEL_COST_CENTS.name: int(label.cost * 100),
        }
        workflow_id = order_workflow_id(shop.shop_id, order_id)
        shown = await eventually(partial(search_attributes, stack, workflow_id), expected.__eq__, timeout=10)

        recipient = tiktok["recipient_address"]
        personal = [recipient["name"], recipient["phone_number"], recipient["address_line1"]]
        assert all(personal)
        assert [(value, data) for value in shown.values() for data in personal if data in str(value)] == []

    shipped_here = (
        f"FulfillmentState = 'SHIPPED' AND ShopId = '{shop.shop_id}' AND ExecutionStatus = 'Running'"
    )
    expected_ids = {order_workflow_id(shop.shop_id, order_id) for order_id in order_ids}
    await eventually(lambda: found_by(stack, shipped_here), expected_ids.__eq__, timeout=30)
