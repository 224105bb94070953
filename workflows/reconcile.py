"""`ReconcileWorkflow`: one reconciliation pass over a shop, run by its Schedule (`workers.schedules`).

TikTok says webhooks cannot be relied on alone (docs/reference/tiktok-shop-api.md §8), so every few minutes
this searches orders, returns and cancellations with `update_time_ge` = the shop's stored cursor minus an
overlap, and hands every change to its order workflow exactly as the webhook inbox would (the event ids
are deterministic, so changes seen twice are ignored there). The cursor is advanced to the newest
`update_time` seen only after all of them were handed over.
"""

from __future__ import annotations

from typing import TypeVar

from temporalio import workflow

from workflows import search_attributes
from workflows.calls import call
from workflows.sweep import SEARCH_TIMEOUT, Sweep

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from activities.contracts import ActivityDef
    from creatorflow.names import PROGRESS_QUERY
    from creatorflow.sync import (
        RECONCILE_CURSOR,
        ChangeSearch,
        ReconcileInput,
        SearchKind,
        SweepState,
        SyncProgress,
    )

In = TypeVar("In")

SEARCHES: tuple[SearchKind, ...] = ("orders", "returns", "cancellations")


@workflow.defn
class ReconcileWorkflow:
    @workflow.init
    def __init__(self, input: ReconcileInput) -> None:
        self._sweep: Sweep | None = None

    @workflow.run
    async def run(self, input: ReconcileInput) -> SyncProgress:
        workflow.upsert_search_attributes([search_attributes.SHOP_ID.value_set(input.shop_id)])
        policy, cursor_before = input.policy, input.cursor_before
        state = input.carried
        if state is None:
            cursor_before = await self._cursor(
                contracts.LOAD_SYNC_CURSOR,
                contracts.SyncCursorRef(shop_id=input.shop_id, name=RECONCILE_CURSOR),
                "load the reconcile cursor",
            )
            start = cursor_before or int((workflow.now() - policy.reconcile_lookback).timestamp())
            since = start - int(policy.reconcile_overlap.total_seconds())
            state = SweepState(
                searches=[ChangeSearch(shop_id=input.shop_id, kind=kind, ge=since) for kind in SEARCHES]
            )
        self._sweep = Sweep(input.shop_id, state, source="reconcile", window=policy.window)
        await self._sweep.run(
            lambda carried: workflow.continue_as_new(
                input.model_copy(update={"carried": carried, "cursor_before": cursor_before})
            )
        )
        progress = self._sweep.progress
        if progress.newest_update_time > cursor_before:
            await self._cursor(
                contracts.ADVANCE_SYNC_CURSOR,
                contracts.SyncCursorUpdate(
                    shop_id=input.shop_id, name=RECONCILE_CURSOR, value=progress.newest_update_time
                ),
                f"advance the reconcile cursor to {progress.newest_update_time}",
            )
        progress.done = True
        return progress

    async def _cursor(self, activity: ActivityDef[In, int], arg: In, summary: str) -> int:
        return await call(activity, arg, start_to_close_timeout=SEARCH_TIMEOUT, summary=summary)

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> SyncProgress:
        return self._sweep.progress if self._sweep else SyncProgress()
