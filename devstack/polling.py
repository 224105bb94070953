"""Waiting for something asynchronous to happen (a webhook, a workflow, a carrier scan) in a running stack.

One poll loop for the tests and the benchmarks, so every wait gives up the same way: with what it waited
for and the last value it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    timeout: float = 60,
    *,
    interval: float = 0.25,
    what: str = "condition",
) -> T:
    """Poll `probe` until `check` accepts its value, which is returned; TimeoutError after `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what}: gave up after {timeout:.0f} s; last value: {value!r}"[:2000])
        await asyncio.sleep(interval)
