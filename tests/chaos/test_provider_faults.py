"""Every provider unreliable at once: TikTok, Shippo and EasyPost each answer a fifth of all calls with a
5xx, a 429 or a hang past our timeout, add latency to the rest, and sometimes lose the answer to a call
that did its work. Every order still gets exactly one label, is shipped on TikTok once and is delivered;
and our retries never turn into a 429 storm against TikTok's real rate limit.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, carrier_traffic
from emulators.faults import FaultRule
from tests.e2e.conftest import set_carrier_faults
from tests.e2e.test_order_lifecycle import (
    all_in,
    labels_sold,
    projections,
    ship_calls,
    shipped_path,
)

ORDERS = 30
KINDS = {"5xx", "429", "timeout"}
UNRELIABLE = FaultRule(path="*", error_rate=0.2, kinds=sorted(KINDS), latency_ms=25)  # type: ignore[arg-type]
# Answers lost after the work is done: the purchase and the ship calls a retry must not repeat.
LOST_ANSWERS = [
    FaultRule(path=path, method="POST", after_commit="5xx", after_commit_rate=0.1)
    for path in (shipped_path("*"), "/transactions", "/v2/shipments/*/buy")
]


async def carrier_ledger(url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.get(f"{url}/_admin/ledger")
        answer.raise_for_status()
        entries: list[dict[str, Any]] = answer.json()
        return entries


def injected(ledger: list[dict[str, Any]]) -> Counter[str]:
    return Counter(entry["fault"] for entry in ledger if entry["fault"])


async def test_orders_complete_when_every_provider_fails_a_fifth_of_its_calls(
    stack: Stack, shop: SandboxShop
) -> None:
    everything = [UNRELIABLE, *LOST_ANSWERS]
    await stack.control.set_faults([rule.model_dump() for rule in everything])
    for url in stack.emulators.carrier_urls:
        await set_carrier_faults(url, everything)

    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=ORDERS)
    await eventually(lambda: projections(stack, shop.shop_id), all_in("SHIPPED", ORDERS), timeout=240)
    async with carrier_traffic(stack, shop.shop_id):
        await eventually(lambda: projections(stack, shop.shop_id), all_in("DELIVERED", ORDERS), timeout=240)

    # The faults really were there: on every provider, of every kind, answers lost after the work too.
    tiktok_ledger = await stack.control.ledger()
    ledgers = [tiktok_ledger, *[await carrier_ledger(url) for url in stack.emulators.carrier_urls]]
    faults = [injected(ledger) for ledger in ledgers]
    assert all(sum(counts.values()) >= 5 for counts in faults), faults
    assert KINDS | {"after_commit:5xx"} <= set(sum(faults, Counter[str]())), faults

    # Exactly one label per order, shipped on TikTok once, with that label's tracking number.
    sold = await labels_sold(stack)
    assert sum(sold.values()) == ORDERS and set(sold.values()) == {1}
    labels = {label.order_id: label.tracking_number for label in stack.store.labels(shop_id=shop.shop_id)}
    assert set(labels) == {order["id"] for order in created}
    for order in await stack.control.shop_orders(shop.shop_id):
        assert order["tracking_number"] == labels[order["id"]]
    assert await ship_calls(stack) == Counter(shipped_path(order["id"]) for order in created)

    # Every 429 TikTok answered was one we injected: backing off never tripped its real limit.
    throttled = [entry for entry in tiktok_ledger if entry["status"] == 429]
    assert throttled and all(entry["fault"] == "429" for entry in throttled)
