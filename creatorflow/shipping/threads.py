"""Run the synchronous shipping SDKs off the event loop, one SDK client per worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

ClientT = TypeVar("ClientT")
ResultT = TypeVar("ResultT")

# A provider call can block for its whole timeout; this many may be in flight at once per provider.
DEFAULT_MAX_THREADS = 32


class PerThreadClient(Generic[ClientT]):
    """`await clients.run(lambda client: client.do_something())` runs in a thread with that thread's client.

    Both SDKs sit on a `requests.Session`, which is not documented as thread-safe; a client per thread
    keeps connection reuse without ever sharing a Session between threads. The threads are this
    provider's own: asyncio's default pool has only `cores + 4` threads and is shared with the store, so a
    slow provider would otherwise serialise purchases and stall everything else that uses it.
    """

    def __init__(self, factory: Callable[[], ClientT], *, name: str, max_threads: int = DEFAULT_MAX_THREADS):
        self._factory = factory
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix=name)

    def _client(self) -> ClientT:
        client: ClientT | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    async def run(self, call: Callable[[ClientT], ResultT]) -> ResultT:
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: call(self._client()))
