"""Pushes webhooks the way TikTok does (reference §7.1, §7.5), with knobs for the ways delivery goes wrong.

- POST the notification as compact JSON with `Content-Type: application/json` and
  `Authorization: hex(HMAC-SHA256(app_secret, app_key + body))`.
- HTTP 200 is delivered. Anything else, or no answer within 3 s, is retried 2 min, 30 min, 3 h and 12 h
  after the previous failure (times multiplied by `retry_scale`), then given up.
- Knobs: `drop_rate` (never sent), `duplicate_rate` (sent twice with the same `tts_notification_id`),
  `reorder` (a shop's pending pushes go out shuffled, optionally each delayed at random), `paused`.

Sending happens in background tasks on the server's event loop; an API response never waits for it.
The deliveries are plain data that a saved emulator keeps; `resume` sends the pending ones again. Each
shop's first attempts go out one at a time, in order (unless `reorder`), from a queue of their own.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Coroutine
from typing import Any, Literal

import httpx
from pydantic import BaseModel

from creatorflow.tiktok.signing import sign_webhook
from emulators.tiktok.settings import WebhookSettings
from emulators.tiktok.webhook_events import Notification

logger = logging.getLogger(__name__)
Outcome = Literal["pending", "delivered", "failed", "dropped", "no_address"]


class Attempt(BaseModel):
    at: float  # real Unix time
    status_code: int | None = None
    error: str | None = None
    duplicate: bool = False


class Delivery(BaseModel):
    """One notification's fate, as the admin API lists it."""

    notification: Notification
    address: str | None
    outcome: Outcome = "pending"
    duplicated: bool = False
    attempts: list[Attempt] = []


class WebhookPusher:
    def __init__(
        self, app_key: str, app_secret: str, settings: WebhookSettings, seed: int | None = None
    ) -> None:
        self._app_key = app_key
        self._app_secret = app_secret
        self._rng = random.Random(seed)
        self.settings = settings
        self.deliveries: list[Delivery] = []
        self._queues: dict[str, list[Delivery]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._resumed = asyncio.Event()
        self._client: httpx.AsyncClient | None = None
        self.configure(settings)

    def configure(self, settings: WebhookSettings) -> None:
        self.settings = settings
        if settings.paused:
            self._resumed.clear()
        else:
            self._resumed.set()

    async def start(self) -> None:
        self._client = httpx.AsyncClient()
        for shop_id in self._queues:
            self._start_worker(shop_id)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def submit(self, notification: Notification, shop_address: str | None) -> None:
        """Queue a notification for the shop's address, or else the app's default one (on the event loop)."""
        delivery = Delivery(notification=notification, address=shop_address or self.settings.default_url)
        self.deliveries.append(delivery)
        if delivery.address is None:
            delivery.outcome = "no_address"
            return
        if self._rng.random() < self.settings.drop_rate:
            delivery.outcome = "dropped"
            return
        delivery.duplicated = self._rng.random() < self.settings.duplicate_rate
        self._enqueue(delivery)

    def resume(self, deliveries: list[Delivery]) -> None:
        """Take over the deliveries of a saved run (before `start`); those still pending are sent again,
        first attempt then the retry schedule, as their retries died with that run's tasks."""
        self.deliveries.extend(deliveries)
        for delivery in deliveries:
            if delivery.outcome == "pending":
                self._enqueue(delivery)

    def _enqueue(self, delivery: Delivery) -> None:
        shop_id = delivery.notification.shop_id
        if shop_id not in self._queues:
            self._queues[shop_id] = []
            self._wakeups[shop_id] = asyncio.Event()
            if self._client is not None:
                self._start_worker(shop_id)
        self._queues[shop_id].append(delivery)
        self._wakeups[shop_id].set()

    def _start_worker(self, shop_id: str) -> None:
        self._spawn(self._send_queue(shop_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("webhook delivery task crashed", exc_info=task.exception())

    async def _send_queue(self, shop_id: str) -> None:
        queue, wakeup = self._queues[shop_id], self._wakeups[shop_id]
        while True:
            await wakeup.wait()
            wakeup.clear()
            await self._resumed.wait()
            batch = queue[:]
            queue.clear()
            if self.settings.reorder:
                self._rng.shuffle(batch)
            for delivery in batch:
                if self.settings.reorder and self.settings.reorder_max_delay_seconds:
                    await asyncio.sleep(self._rng.uniform(0, self.settings.reorder_max_delay_seconds))
                await self._resumed.wait()
                await self._first_attempt(delivery)

    async def _first_attempt(self, delivery: Delivery) -> None:
        delivered = await self._post(delivery)
        if delivery.duplicated:
            await self._post(delivery, duplicate=True)
        if delivered:
            delivery.outcome = "delivered"
        else:
            self._spawn(self._retry(delivery))

    async def _retry(self, delivery: Delivery) -> None:
        for delay in self.settings.retry_delays_seconds:
            await asyncio.sleep(delay * self.settings.retry_scale)
            await self._resumed.wait()
            if await self._post(delivery):
                delivery.outcome = "delivered"
                return
        delivery.outcome = "failed"

    async def _post(self, delivery: Delivery, duplicate: bool = False) -> bool:
        if self._client is None or delivery.address is None:
            raise RuntimeError("only queued deliveries are posted, and only after start()")
        body = delivery.notification.body()
        headers = {
            "Content-Type": "application/json",
            "Authorization": sign_webhook(self._app_key, self._app_secret, body),
        }
        attempt = Attempt(at=time.time(), duplicate=duplicate)
        delivery.attempts.append(attempt)
        try:
            response = await self._client.post(
                delivery.address, content=body, headers=headers, timeout=self.settings.timeout_seconds
            )
        except httpx.HTTPError as exc:  # refused, reset, timed out: a failed attempt, retried like a 500
            attempt.error = f"{type(exc).__name__}: {exc}"
            return False
        attempt.status_code = response.status_code
        return response.status_code == 200
