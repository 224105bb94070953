"""The lifecycle benchmark's baseline: a workflow that runs as many no-op activities, one after the other,
as an order runs real ones from paid to shipped. Registered only by the benchmark's own worker."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

BARE_TASK_QUEUE = "bench-bare"
NOOP = "bench_noop"


@activity.defn(name=NOOP)
async def noop() -> None:
    """Nothing: what is left is Temporal's own cost of scheduling, running and recording an activity."""


@workflow.defn
class BareWorkflow:
    @workflow.run
    async def run(self, activities: int) -> None:
        for _ in range(activities):
            await workflow.execute_activity(NOOP, start_to_close_timeout=timedelta(seconds=30))
