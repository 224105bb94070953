"""The whole stack, as `creatorflow dev` runs it, on free ports: emulators, API, workers, a dev server.

The suite gets a dev server of its own, so no workflow of another suite's (scripted) workers ever meets
these real activities, and the other way round.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from temporalio.testing import WorkflowEnvironment

from creatorflow.config import Settings
from creatorflow.crypto import Keyring
from creatorflow.orders import OrderPolicy
from starter.stack import SandboxShop, Stack, connect_sandbox_shop, running_emulators, running_stack
from workers.devserver import start_dev_server

T = TypeVar("T")

# Production timings shrunk to seconds: TikTok's one-hour hold, our polls, the return window.
FAST_ORDERS = OrderPolicy(
    hold_poll=timedelta(seconds=3), tracking_poll=timedelta(seconds=5), return_window=timedelta(minutes=10)
)
FAST_TIKTOK = {
    "world": {"hold_window_seconds": 1},
    "webhooks": {"retry_scale": 0.005},
    "gateway": {"timeout_hang_seconds": 1.0},
    "tick_seconds": 0.05,
}


@pytest.fixture(scope="module")
async def e2e_temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    async with env:
        yield env


@pytest.fixture
async def stack(e2e_temporal: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        encryption_keys=Keyring.generate_spec("e2e"),  # type: ignore[arg-type]
        orders=FAST_ORDERS,
    )
    with running_emulators(settings, fixed_ports=False, tiktok=FAST_TIKTOK) as emulators:
        async with running_stack(emulators, e2e_temporal.client, forward_interval=0.5) as stack:
            yield stack
            await _terminate_running(stack)


async def _terminate_running(stack: Stack) -> None:
    async for execution in stack.client.list_workflows("ExecutionStatus = 'Running'"):
        await stack.client.get_workflow_handle(execution.id).terminate("test over")


@pytest.fixture
async def shop(stack: Stack) -> SandboxShop:
    return await connect_sandbox_shop(stack)


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 60) -> T:
    """Poll `probe` until `check` accepts its value; fail with the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up after {timeout}s; last value: {value!r}"[:2000])
        await asyncio.sleep(0.25)
