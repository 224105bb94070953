"""The forwarder: hands recorded webhooks to their workflows in the background, so the API answers TikTok
as soon as an event is committed, never after Temporal (docs/design.md, "Never lose a webhook").

It claims events from the inbox (a lease per event, so several API replicas never forward one at once),
at most `capacity` held at a time (the rest wait in the database: that is the backpressure), and forwards
them with at most `concurrency` calls in flight; while the API is `busy` taking webhooks, one at a time,
so a burst is answered first and forwarded right after (a signal-with-start costs this process and
Temporal about ten times what recording the event does; TikTok waits for the answer, the order does not).
Events of one lane (one workflow) go one after another in the order received; a failed one is given back
with the rest of its lane and tried again after `retry_after`. A new record wakes it at once; the poll
every `interval` is only the safety net for events another replica recorded, or whose retry is due.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from creatorflow.api.outage import DatabaseOutage
from creatorflow.store import Store
from creatorflow.store.db import unreachable
from creatorflow.store.tables import WebhookRow, utcnow

log = logging.getLogger(__name__)

BURST_CAPACITY = 16  # events held at once while the API is busy, when they go one at a time

Deliver = Callable[[WebhookRow], Awaitable[None]]


def ids_of(row: WebhookRow) -> dict[str, str]:
    """The shop and order a recorded event names (a carrier's names neither), for its log lines."""
    return {key: value for key, value in (("shop_id", row.shop_id), ("order_id", row.order_id)) if value}


class Forwarder:
    def __init__(
        self,
        store: Store,
        deliver: Deliver,
        outage: DatabaseOutage,
        *,
        busy: Callable[[], bool] = lambda: False,
        concurrency: int = 32,
        capacity: int = 256,
        timeout: float = 5.0,
        lease: timedelta = timedelta(seconds=30),
        retry_after: timedelta = timedelta(seconds=2),
    ) -> None:
        if timeout >= lease.total_seconds():
            raise ValueError("the forward timeout must be shorter than the lease, or two replicas forward")
        self._store = store
        self._deliver = deliver
        self._outage = outage
        self._capacity = capacity
        self._timeout = timeout
        self._lease = lease
        self._retry_after = retry_after
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._busy = busy
        self._calls = asyncio.Semaphore(concurrency)
        self._burst_calls = asyncio.Semaphore(1)
        self._wake = asyncio.Event()
        self._lanes: dict[str, deque[WebhookRow]] = {}
        self._drains: set[asyncio.Task[None]] = set()
        self._held: set[int] = set()  # claimed here and not yet done
        self._full = False  # the last claim took all the room there was
        self._failing = False  # the last try failed: logged once, until one gets through again
        self.forwarded = 0

    def wake(self) -> None:
        """A new event is committed: claim it now rather than at the next poll."""
        self._wake.set()

    async def run(self, interval: float) -> None:
        """Forward for as long as the API runs; a failed claim (the database unreachable) is logged and
        tried again, since a dead forwarder would leave accepted events unsent."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self._claim()
                except Exception as exc:
                    if unreachable(exc):  # said once for the whole outage, not a stack trace per pass
                        self._outage.failed(exc, refusing_webhook=False)
                    else:
                        log.exception("claiming webhooks to forward failed; trying again in %.1fs", interval)
                else:
                    self._outage.reached()
                if not self._full:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), interval)
                else:
                    await self._wake.wait()  # set when a lane finishes and makes room
        finally:
            for drain in self._drains:
                drain.cancel()

    async def forward_pending(self) -> int:
        """One pass: claim what is due and wait until it is forwarded or given back; how many went."""
        before = self.forwarded
        await asyncio.gather(*self._drains, return_exceptions=True)  # what is on its way settles first
        await self._claim()
        while self._drains:
            await asyncio.gather(*self._drains, return_exceptions=True)
        return self.forwarded - before

    async def _claim(self) -> None:
        """Claim more only below half the capacity: while plenty is at hand, a claim per new record would
        only fight the API's inserts for the database. While the API is busy, the capacity is that of one
        call at a time: a large claim would only hold the API's threads up."""
        capacity = BURST_CAPACITY if self._busy() else self._capacity
        self._full = len(self._held) >= capacity // 2
        if self._full:
            return
        room = capacity - len(self._held)
        rows = await asyncio.to_thread(
            self._store.claim_webhooks, self._owner, room, self._lease, self._retry_after
        )
        for row in rows:
            assert row.id is not None
            if row.id in self._held:  # its lease ran out while it was still being forwarded here
                continue
            self._held.add(row.id)
            lane = row.lane or f"#{row.id}"
            queue = self._lanes.get(lane)
            if queue is not None:
                queue.append(row)  # after the lane's earlier events, already here
                continue
            self._lanes[lane] = deque([row])
            drain = asyncio.create_task(self._drain(lane), name=f"forward {lane}")
            self._drains.add(drain)
            drain.add_done_callback(self._drained)
        self._full = len(rows) >= room or len(self._held) >= capacity // 2

    def _drained(self, drain: asyncio.Task[None]) -> None:
        self._drains.discard(drain)
        if not drain.cancelled() and drain.exception() is not None:
            log.error("forwarding lane %s failed", drain.get_name(), exc_info=drain.exception())

    async def _drain(self, lane: str) -> None:
        """The lane's events one after another; at the first that fails, the rest are given back too."""
        queue = self._lanes[lane]
        try:
            while queue:
                row = queue[0]
                if not await self._forward(row):
                    if await self._give_back(queue):
                        return
                    await asyncio.sleep(self._retry_after.total_seconds())  # still ours: try when due
                    continue
                queue.popleft()
                self._held.discard(row.id or 0)
        finally:
            self._held.difference_update(held.id or 0 for held in queue)
            del self._lanes[lane]
            if self._full:
                self._wake.set()

    async def _give_back(self, queue: deque[WebhookRow]) -> bool:
        """Release the lane's events for a retry after `retry_after`; False when the database cannot be
        reached to release them: they are still this forwarder's to retry."""
        try:
            await asyncio.to_thread(
                self._store.release_webhooks,
                [held.id for held in queue if held.id is not None],
                utcnow() + self._retry_after,
            )
        except SQLAlchemyError as exc:
            if not unreachable(exc):
                raise
            self._outage.failed(exc, refusing_webhook=False)
            return False
        return True

    async def _forward(self, row: WebhookRow) -> bool:
        async with self._burst_calls if self._busy() else self._calls:
            try:
                await asyncio.wait_for(self._deliver(row), self._timeout)
            except Exception as exc:  # kept RECEIVED and given back: tried again after retry_after
                if not self._failing:
                    self._failing = True
                    log.warning(
                        "webhook %s kept for later forwarding: %r",
                        row.dedup_key,
                        exc,
                        extra=ids_of(row),
                    )
                else:
                    log.info("webhook %s still pending: %r", row.dedup_key, exc, extra=ids_of(row))
                return False
        self.forwarded += 1
        if self._failing:
            self._failing = False
            log.info("webhook %s forwarded: forwarding again", row.dedup_key, extra=ids_of(row))
        return True
