"""Client-side rate limit per (shop, API), so one process never trips TikTok's 50 QPS by itself.

TikTok counts calls per API per (app, shop) (docs/reference/tiktok-shop-api.md §4). Each key gets its own
leaky bucket; a 429 from the server pauses that key for the delay it asked for.
"""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter


class RateLimiter:
    def __init__(self, qps: float) -> None:
        if qps < 1:
            raise ValueError("qps must be at least 1")
        self.qps = qps
        self._buckets: dict[tuple[str, str], AsyncLimiter] = {}
        self._paused_until: dict[tuple[str, str], float] = {}

    async def acquire(self, shop: str, api: str) -> None:
        key = (shop, api)
        pause = self._paused_until.get(key, 0.0) - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        bucket = self._buckets.get(key)
        if bucket is None:
            # Capacity of one second's worth would allow a full burst on top of a server-side window
            # that is already half spent; a quarter second's worth keeps bursts modest.
            bucket = self._buckets[key] = AsyncLimiter(max(1.0, self.qps / 4), 0.25)
        await bucket.acquire()

    def pause(self, shop: str, api: str, seconds: float) -> None:
        """Hold every call for this key until `seconds` from now (after a 429)."""
        key = (shop, api)
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), time.monotonic() + seconds)
