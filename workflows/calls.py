"""The one way workflows run an activity: through its typed definition (`activities.contracts`), so mypy
checks the argument against the definition's input type and infers the result as its output type, and
the task queue comes with the definition instead of being repeated at every call."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import ActivityDef

In = TypeVar("In")
Out = TypeVar("Out")

# Retried until it succeeds or fails for a reason retrying cannot fix (a non-retryable error).
RETRY_FOREVER = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


async def call(
    activity: ActivityDef[In, Out],
    arg: In,
    *,
    summary: str,
    start_to_close_timeout: timedelta,
    retry_policy: RetryPolicy = RETRY_FOREVER,
    heartbeat_timeout: timedelta | None = None,
) -> Out:
    result: Out = await workflow.execute_activity(
        activity.name,
        arg,
        result_type=activity.output,
        task_queue=activity.task_queue,
        start_to_close_timeout=start_to_close_timeout,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=retry_policy,
        summary=summary,
    )
    return result
