"""Carriers at work in the sandbox: packages handed over get scanned, travel and are delivered.

Each tick, every TikTok order that was shipped (AWAITING_COLLECTION) gets its first carrier scan, and
every order in transit is delivered, on TikTok and on the carrier emulator that sold each of its
packages' labels (which then sends its own tracking webhook). One stage per tick, so a person watching
sees each one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

import httpx

from emulators.tiktok.admin_client import OrderAction, TikTokSandboxControl

log = logging.getLogger(__name__)


class CarrierTraffic:
    def __init__(
        self,
        tiktok: TikTokSandboxControl,
        carrier_urls: Sequence[str],
        shop_ids: Sequence[str],
        *,
        tick_seconds: float = 1.0,
    ) -> None:
        self._tiktok = tiktok
        self._carriers = [httpx.AsyncClient(base_url=url, timeout=10) for url in carrier_urls]
        self._shop_ids = list(shop_ids)
        self._tick = tick_seconds

    async def aclose(self) -> None:
        await asyncio.gather(*(carrier.aclose() for carrier in self._carriers))

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except (httpx.HTTPError, RuntimeError) as exc:  # the sandbox stopping under us; try again
                log.warning("carrier traffic tick failed: %r", exc)
            await asyncio.sleep(self._tick)

    async def tick(self) -> None:
        for shop_id in self._shop_ids:
            for order in await self._tiktok.shop_orders(shop_id):
                if order["status"] == "AWAITING_COLLECTION":
                    await self._move(order, "next", "carrier_scan")
                elif order["status"] == "IN_TRANSIT":
                    await self._move(order, "delivered", "deliver")

    async def _move(
        self, order: dict[str, Any], tracker_to: Literal["next", "delivered"], tiktok_action: OrderAction
    ) -> None:
        for tracking_number in _tracking_numbers(order):
            for carrier in self._carriers:
                answer = await carrier.post(
                    f"/_admin/trackers/{tracking_number}/advance", params={"to": tracker_to}
                )
                if answer.status_code != 404:
                    answer.raise_for_status()
                    break
        await self._tiktok.act(str(order["id"]), tiktok_action)


def _tracking_numbers(order: dict[str, Any]) -> list[str]:
    """Every package's tracking number (an order split into packages has one per package)."""
    numbers = [str(order.get("tracking_number") or "")]
    numbers += [str(item.get("tracking_number") or "") for item in order.get("line_items", [])]
    return [number for number in dict.fromkeys(numbers) if number]


@contextlib.asynccontextmanager
async def carriers_at_work(
    tiktok: TikTokSandboxControl, carrier_urls: Sequence[str], shop_ids: Sequence[str], *, tick_seconds: float
) -> AsyncIterator[CarrierTraffic]:
    """`CarrierTraffic` running in the background for as long as the block runs."""
    traffic = CarrierTraffic(tiktok, carrier_urls, shop_ids, tick_seconds=tick_seconds)
    task = asyncio.create_task(traffic.run())
    try:
        yield traffic
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await traffic.aclose()
