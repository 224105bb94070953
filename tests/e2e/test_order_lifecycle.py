"""Orders from TikTok's webhooks to the customer's door, through every real part."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx

from creatorflow.sandbox.traffic import CarrierTraffic
from creatorflow.store.tables import OrderRecord
from creatorflow.tiktok.client import MARK_PACKAGE_SHIPPED
from starter.stack import SandboxShop, Stack
from tests.e2e.conftest import eventually


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


@contextlib.asynccontextmanager
async def carriers_at_work(stack: Stack, shop: SandboxShop) -> AsyncIterator[None]:
    traffic = CarrierTraffic(stack.control, stack.emulators.carrier_urls, [shop.shop_id], tick_seconds=0.3)
    task = asyncio.create_task(traffic.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await traffic.aclose()


async def test_fifty_paid_orders_each_get_one_label_are_shipped_on_tiktok_and_delivered(
    stack: Stack, shop: SandboxShop
) -> None:
    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=50)
    order_ids = {order["id"] for order in created}

    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", 50), timeout=90)

    labels = {label.order_id: label for label in stack.store.labels(shop_id=shop.shop_id)}
    assert set(labels) == order_ids
    for order in await stack.control.shop_orders(shop.shop_id):
        assert order["status"] == "AWAITING_COLLECTION"
        assert order["tracking_number"] == labels[order["id"]].tracking_number
    sold = await labels_sold(stack)
    assert sum(sold.values()) == 50 and set(sold.values()) == {1}
    assert await ship_calls(stack) == Counter(shipped_path(order_id) for order_id in order_ids)

    async with carriers_at_work(stack, shop):
        await eventually(lambda: projections(stack, shop.shop_id), all_in("DELIVERED", 50), timeout=90)
    assert sum((await labels_sold(stack)).values()) == 50
