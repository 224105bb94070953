"""An order TikTok fulfils itself (FBT), through every real part: followed to DELIVERED, and never a label,
a unit of our stock or a ship call; reported as FBT."""

from __future__ import annotations

import asyncio

from temporalio.testing import WorkflowEnvironment

from creatorflow.inventory import StockLevel
from creatorflow.orders import FulfillmentMode
from creatorflow.tiktok.client import CREATE_PACKAGES, MARK_PACKAGE_SHIPPED, SHIP_PACKAGE
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from tests.e2e.test_order_lifecycle import labels_sold, projections
from tests.processes import creatorflow, worker_env

SELLER_FULFILMENT = (MARK_PACKAGE_SHIPPED.path, SHIP_PACKAGE.path, CREATE_PACKAGES.path)


async def serum(stack: Stack, shop: SandboxShop) -> StockLevel | None:
    levels = await asyncio.to_thread(stack.store.stock_levels, shop.shop_id)
    return next((level for level in levels if level.sku_id == shop.sku_id), None)


async def test_an_fbt_order_reaches_delivered_with_no_label_no_reservation_and_no_ship_call(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    before = await eventually(lambda: serum(stack, shop), lambda level: level is not None)
    assert before is not None
    sold_before = sum((await labels_sold(stack)).values())
    [order] = await stack.control.create_orders(
        shop.shop_id, shop.sku_id, fulfilled_by_tiktok=True, on_hold=False
    )
    assert order["fulfillment_type"] == "FULFILLMENT_BY_TIKTOK"
    order_id = order["id"]

    async def recorded() -> dict[str, object]:
        rows = await projections(stack, shop.shop_id)
        return {row.order_id: (row.fulfillment_mode, row.state) for row in rows}

    await eventually(recorded, lambda rows: rows.get(order_id) == (FulfillmentMode.FBT.value, "READY"))
    for action in ("fbt_ship", "carrier_scan", "deliver"):  # TikTok's fulfillment center and carrier
        await stack.control.act(order_id, action)
    await eventually(recorded, lambda rows: rows.get(order_id) == (FulfillmentMode.FBT.value, "DELIVERED"))

    assert await asyncio.to_thread(stack.store.labels, shop_id=shop.shop_id) == []
    assert sum((await labels_sold(stack)).values()) == sold_before
    after = await serum(stack, shop)
    assert after is not None and (after.on_hand, after.reserved) == (before.on_hand, 0)
    for path in SELLER_FULFILMENT:
        assert (
            await stack.control.ledger(path.replace("{order_id}", order_id).replace("{package_id}", "*"))
            == []
        )

    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    code, output = await creatorflow(env, "report", "orders", "--shop", shop.shop_id)
    assert code == 0, output
    assert [line.split() for line in output.splitlines()[1:]] == [[shop.shop_id, "FBT", "DELIVERED", "1"]]
