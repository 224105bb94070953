"""Group commit for the webhook inbox: store calls that arrive together run together.

Each caller still waits for its own write to be committed (a webhook is answered only once its record
is), but while one transaction commits the next calls gather, so under load one transaction carries many
of them and SQLite's single writer is not fought over by many threads, each losing a busy wait. At a
trickle, each call is its own transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Batched(Generic[In, Out]):
    def __init__(self, commit: Callable[[list[In]], list[Out]], name: str) -> None:
        """`commit` runs a batch in one transaction (in a worker thread) and returns one result each."""
        self._commit = commit
        self._name = name
        self._waiting: list[tuple[In, asyncio.Future[Out]]] = []
        self._committing: asyncio.Task[None] | None = None

    async def __call__(self, item: In) -> Out:
        """Commit `item`, with whatever else is waiting; its result once the transaction is committed."""
        done: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._committing is None:
            self._committing = asyncio.create_task(self._run(), name=self._name)
        return await done

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    results = await asyncio.to_thread(self._commit, [item for item, _ in batch])
                except Exception as exc:  # every caller in the batch gets the error, none is lost
                    for _, done in batch:
                        done.set_exception(exc)
                    continue
                for (_, done), result in zip(batch, results, strict=True):
                    done.set_result(result)
        finally:
            self._committing = None
