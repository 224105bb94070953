"""`BackfillWorkflow`: bring a shop's historical orders (created in [since, until)) under management.

Started from the CLI (`creatorflow backfill`) with id `backfill:{shop_id}:{from}:{to}`. It pages TikTok's
order search by `create_time`. Orders the page shows closed (completed, cancelled, delivered and past the
return window) are recorded in the store from the page, in bulk, with no workflow and no further call;
every other order is handed to its `OrderWorkflow` in a bounded window (see `workflows.sweep`). An order
already shipped or delivered is recorded in its real state by its order workflow and never gets a label;
a finished order workflow is never restarted and a recorded order is not recorded again, so running the
same backfill twice starts nothing new. A dry run only counts.
"""

from __future__ import annotations

from temporalio import workflow

from workflows import search_attributes
from workflows.sweep import Sweep

with workflow.unsafe.imports_passed_through():
    from creatorflow.names import PROGRESS_QUERY
    from creatorflow.sync import BackfillInput, ChangeSearch, SweepState, SyncProgress


@workflow.defn
class BackfillWorkflow:
    @workflow.init
    def __init__(self, input: BackfillInput) -> None:
        # An open-ended backfill ends where it started; continue-as-new carries that instant.
        self._until = input.until or workflow.now()
        state = input.carried or SweepState(
            searches=[
                ChangeSearch(
                    shop_id=input.shop_id,
                    kind="orders",
                    time_field="create_time",
                    ge=int(input.since.timestamp()),
                    lt=int(self._until.timestamp()),
                    closed_after_delivery=None if input.dry_run else input.return_window,
                )
            ]
        )
        self._sweep = Sweep(
            input.shop_id, state, source="backfill", window=input.window, dry_run=input.dry_run
        )

    @workflow.run
    async def run(self, input: BackfillInput) -> SyncProgress:
        workflow.upsert_search_attributes([search_attributes.SHOP_ID.value_set(input.shop_id)])
        await self._sweep.run(
            lambda state: workflow.continue_as_new(
                input.model_copy(update={"until": self._until, "carried": state})
            )
        )
        self._sweep.progress.done = True
        return self._sweep.progress

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> SyncProgress:
        return self._sweep.progress
