"""The whole stack, as `creatorflow dev` runs it, on free ports: emulators, API, workers, a dev server.

The suite gets a dev server of its own, so no workflow of another suite's (scripted) workers ever meets
these real activities, and the other way round.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from creatorflow.config import Settings
from creatorflow.orders import OrderPolicy
from devstack.fast import FAST_ORDERS, FAST_TIKTOK, fast_settings
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop, running_emulators, running_stack
from emulators.faults import FaultRule
from starter.serving import bind_socket
from tests.keys import TEST_KEYRING, TEST_KEYS
from tests.replay_record import record_histories
from workers.devserver import start_dev_server
from workers.schedules import delete_reconcile_schedule

T = TypeVar("T")


@pytest.fixture(scope="module")
async def e2e_temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server(TEST_KEYRING)
    async with env:
        yield env


def e2e_settings(
    data_dir: Path, orders: OrderPolicy = FAST_ORDERS, database_url: str | None = None
) -> Settings:
    """The fast sandbox's settings; the app database is SQLite under `data_dir` unless `database_url`."""
    settings = fast_settings(data_dir, encryption_keys=SecretStr(TEST_KEYS), orders=orders)
    return settings.model_copy(update={"database_url": database_url}) if database_url else settings


@contextlib.asynccontextmanager
async def e2e_stack(
    temporal: WorkflowEnvironment,
    data_dir: Path,
    request: pytest.FixtureRequest,
    *,
    with_workers: bool,
    orders: OrderPolicy = FAST_ORDERS,
    tiktok: dict[str, Any] | None = None,
    client: Client | None = None,
    database_url: str | None = None,
) -> AsyncIterator[Stack]:
    """The stack on `temporal`, its API and workers on `client` (by default the dev server's own), its
    app database at `database_url` (by default SQLite under `data_dir`)."""
    started = datetime.now(UTC)
    settings = e2e_settings(data_dir, orders, database_url)
    with running_emulators(settings, fixed_ports=False, tiktok=tiktok or FAST_TIKTOK) as emulators:
        async with running_stack(
            emulators, client or temporal.client, forward_interval=0.5, with_workers=with_workers
        ) as stack:
            yield stack
            record_into = request.config.getoption("--record-histories")
            if record_into:
                await record_histories(stack.client, started, request.node.name, Path(record_into))
            await _terminate_running(stack)


@pytest.fixture
async def stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    async with e2e_stack(e2e_temporal, tmp_path, request, with_workers=True) as stack:
        yield stack


@pytest.fixture
async def workerless_stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    """The stack without workers: a test runs `creatorflow worker` processes against it."""
    async with e2e_stack(e2e_temporal, tmp_path, request, with_workers=False) as stack:
        yield stack


async def _terminate_running(stack: Stack) -> None:
    """Leave the module's dev server quiet for the next test: no schedules, no running workflows."""
    for shop in stack.store.shops():
        await delete_reconcile_schedule(stack.client, shop.shop_id)
    async for execution in stack.client.list_workflows("ExecutionStatus = 'Running'"):
        try:
            await stack.client.get_workflow_handle(execution.id).terminate("test over")
        except RPCError as error:
            # Visibility lags: a workflow listed as running may have completed since, which is as quiet.
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise


@pytest.fixture
async def shop(stack: Stack) -> SandboxShop:
    return await connect_sandbox_shop(stack)


def free_port() -> int:
    """A port free right now, for a server that must know its port before it starts."""
    with bind_socket() as probe:
        port: int = probe.getsockname()[1]
        return port


async def set_carrier_faults(url: str, rules: list[FaultRule]) -> None:
    """Replace the faults of the Shippo or EasyPost emulator at `url`."""
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.put(f"{url}/_admin/faults", json=[rule.model_dump() for rule in rules])
        answer.raise_for_status()
