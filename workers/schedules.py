"""Each connected shop's reconcile Schedule: create or update it, pause or delete it, run a pass now;
its daily finance sync Schedule; and the one alerts Schedule.

One Schedule per shop (id `reconcile:{shop_id}`), every `SyncPolicy.reconcile_every`, overlap SKIP: a pass
still running when the next is due makes that one be skipped, never doubled. The finance Schedule (id
`finance:{shop_id}`) runs `FinanceSyncWorkflow` daily at `FinancePolicy.sync_hour_utc`, overlap SKIP too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionExecution,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleInfo,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    WorkflowHandle,
)
from temporalio.service import RPCError, RPCStatusCode

from creatorflow.finance import FinancePolicy, FinanceSyncInput
from creatorflow.names import (
    ALERTS_SCHEDULE_ID,
    ORDERS_TASK_QUEUE,
    finance_schedule_id,
    reconcile_schedule_id,
)
from creatorflow.sync import ReconcileInput, SyncPolicy, SyncProgress
from workflows.alerts import AlertsWorkflow
from workflows.finance import FinanceSyncWorkflow
from workflows.reconcile import ReconcileWorkflow


def reconcile_schedule(shop_id: str, policy: SyncPolicy) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileWorkflow.run,
            ReconcileInput(shop_id=shop_id, policy=policy),
            id=reconcile_schedule_id(shop_id),
            task_queue=ORDERS_TASK_QUEUE,
            static_summary=f"reconcile TikTok shop {shop_id}",
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=policy.reconcile_every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=f"poll TikTok shop {shop_id} every {policy.reconcile_every}"),
    )


async def ensure_reconcile_schedule(
    client: Client, shop_id: str, policy: SyncPolicy | None = None
) -> ScheduleHandle:
    """Create the shop's Schedule, or bring an existing one (even a paused one) to `policy`."""
    return await _upsert(
        client, reconcile_schedule_id(shop_id), reconcile_schedule(shop_id, policy or SyncPolicy())
    )


async def _upsert(client: Client, schedule_id: str, schedule: Schedule) -> ScheduleHandle:
    try:
        return await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
        return handle


async def ensure_alerts_schedule(client: Client, every: timedelta) -> ScheduleHandle:
    """The one alerts Schedule (every shop's alerts and digests), every `every`, overlap SKIP."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            AlertsWorkflow.run,
            id=ALERTS_SCHEDULE_ID,
            task_queue=ORDERS_TASK_QUEUE,
            static_summary="alerts and daily digests of every shop",
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=f"derive and send alerts every {every}"),
    )
    try:
        return await client.create_schedule(ALERTS_SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(ALERTS_SCHEDULE_ID)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
        return handle


def finance_schedule(shop_id: str, policy: FinancePolicy) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            FinanceSyncWorkflow.run,
            FinanceSyncInput(shop_id=shop_id, policy=policy),
            id=finance_schedule_id(shop_id),
            task_queue=ORDERS_TASK_QUEUE,
            static_summary=f"sync TikTok statements of shop {shop_id}",
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(policy.sync_hour_utc)])]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=f"read TikTok statements of shop {shop_id} daily"),
    )


async def ensure_finance_schedule(
    client: Client, shop_id: str, policy: FinancePolicy | None = None
) -> ScheduleHandle:
    """Create the shop's finance Schedule, or bring an existing one to `policy`."""
    return await _upsert(
        client, finance_schedule_id(shop_id), finance_schedule(shop_id, policy or FinancePolicy())
    )


async def delete_finance_schedule(client: Client, shop_id: str) -> bool:
    """Remove the shop's finance Schedule (the statements stay in the store); False if it has none."""
    return await _if_exists(client.get_schedule_handle(finance_schedule_id(shop_id)).delete())


async def pause_reconcile_schedule(client: Client, shop_id: str, reason: str) -> bool:
    """Stop polling a shop (e.g. deauthorized) until `ensure_reconcile_schedule`; False if it has none."""
    return await _if_exists(client.get_schedule_handle(reconcile_schedule_id(shop_id)).pause(note=reason))


async def delete_reconcile_schedule(client: Client, shop_id: str) -> bool:
    """Remove the shop's Schedule (its cursor stays in the store); False if it has none."""
    return await _if_exists(client.get_schedule_handle(reconcile_schedule_id(shop_id)).delete())


async def _if_exists(call: Awaitable[None]) -> bool:
    try:
        await call
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def run_reconcile_now(
    client: Client, shop_id: str, timeout: timedelta = timedelta(seconds=30)
) -> WorkflowHandle[ReconcileWorkflow, SyncProgress]:
    """Trigger the shop's Schedule now and return that pass; a pass already running is returned as is
    (the Schedule would skip a second one anyway)."""
    schedule = client.get_schedule_handle(reconcile_schedule_id(shop_id))
    running, known = _passes((await schedule.describe()).info)
    if not running:
        await schedule.trigger()
        deadline = asyncio.get_running_loop().time() + timeout.total_seconds()
        while True:
            now_running, recent = _passes((await schedule.describe()).info)
            running = [i for i in [*now_running, *recent] if i not in known]
            if running:
                break
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(
                    f"the reconcile schedule of shop {shop_id} started no pass within {timeout}"
                )
            await asyncio.sleep(0.2)
    workflow_id, run_id = running[-1]
    return client.get_workflow_handle_for(ReconcileWorkflow.run, workflow_id, first_execution_run_id=run_id)


def _passes(info: ScheduleInfo) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(workflow id, first run id) of the Schedule's running passes, and of its recent ones."""

    def ids(actions: Sequence[ScheduleActionExecution]) -> list[tuple[str, str]]:
        return [
            (a.workflow_id, a.first_execution_run_id)
            for a in actions
            if isinstance(a, ScheduleActionExecutionStartWorkflow)
        ]

    return ids(info.running_actions), ids([result.action for result in info.recent_actions])
