"""The TikTok API queue's rate limit, from `Settings` through our worker to the Temporal server that enforces
it.

On a dev server of its own: the limit a worker asks for stays on the task queue after the worker stops (a
poll that names no limit leaves it as it was), so on the session's server it would slow the TikTok queue of
every later test.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench.bare import NOOP, noop
from creatorflow.config import Settings, TikTokSettings
from creatorflow.names import TIKTOK_TASK_QUEUE
from tests.keys import TEST_KEYRING
from tests.rates import busiest_second
from workers.devserver import start_dev_server
from workers.worker import running_workers, tiktok_worker

LIMIT = 5.0
COUNT = 30
# The server splits a queue's limit over its partitions (4 by default), each a token bucket holding at most
# ceil(limit / partitions) starts, full at first: that many can start at once, then `LIMIT` per second.
PARTITIONS = 4
BURST = PARTITIONS * math.ceil(LIMIT / PARTITIONS)


@workflow.defn
class BurstWorkflow:
    """Schedules `count` no-op activities on the TikTok queue at once, as many order workflows calling
    TikTok together; only when the server let each start matters (its ActivityTaskStarted event)."""

    @workflow.run
    async def run(self, count: int) -> None:
        await asyncio.gather(
            *(
                workflow.execute_activity(
                    NOOP, task_queue=TIKTOK_TASK_QUEUE, start_to_close_timeout=timedelta(seconds=30)
                )
                for _ in range(count)
            )
        )


@pytest.fixture(scope="module")
async def own_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server(TEST_KEYRING)
    async with env:
        yield env


async def test_the_tiktok_queue_starts_no_more_activities_than_its_setting_allows(
    own_server: WorkflowEnvironment,
) -> None:
    client = own_server.client
    settings = Settings(tiktok=TikTokSettings(queue_activities_per_second=LIMIT))
    burst_queue = f"burst-{uuid.uuid4().hex[:8]}"
    scheduler = Worker(
        client, task_queue=burst_queue, workflows=[BurstWorkflow], workflow_runner=UnsandboxedWorkflowRunner()
    )
    async with running_workers([scheduler, tiktok_worker(client, settings, [noop])]):
        handle = await client.start_workflow(
            BurstWorkflow.run, COUNT, id=f"burst:{burst_queue}", task_queue=burst_queue
        )
        await handle.result()

    history = await handle.fetch_history()
    starts = sorted(
        event.event_time.ToNanoseconds() / 1e9
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    )
    assert len(starts) == COUNT
    # A token bucket lets `BURST + LIMIT * t` start within any t seconds, and no more.
    assert busiest_second(starts) <= BURST + LIMIT
    assert starts[-1] - starts[0] >= (COUNT - BURST) / LIMIT
