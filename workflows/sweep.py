"""What `BackfillWorkflow` and `ReconcileWorkflow` share: page TikTok searches and hand every order seen
to its own workflow (start it, or signal it), with at most `window` hand-overs in flight at once.

The searches still to page and the progress so far are a `SweepState`, so either workflow can continue as
new in the middle of a search, after draining its in-flight hand-overs and handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Literal, NoReturn

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.sync import ChangePage, Delivery, OrderChange, SweepState, SyncProgress
    from workflows import shared
    from workflows.order import RETRY_FOREVER

ACTIVITY_TIMEOUT = timedelta(seconds=30)


class Sweep:
    def __init__(
        self,
        shop_id: str,
        state: SweepState,
        *,
        source: Literal["reconcile", "backfill"],
        window: int,
        dry_run: bool = False,
    ) -> None:
        self.state = state
        self._shop_id = shop_id
        self._source: Literal["reconcile", "backfill"] = source
        self._window = window
        self._dry_run = dry_run
        self._in_flight = 0
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def progress(self) -> SyncProgress:
        return self.state.progress

    async def run(self, continue_as_new: Callable[[SweepState], NoReturn]) -> None:
        """Page every search to its end; `continue_as_new(state)` when Temporal suggests it."""
        state, progress = self.state, self.state.progress
        while state.searches:
            search = state.searches[0]
            page: ChangePage = await workflow.execute_activity(
                contracts.SEARCH_CHANGES,
                search,
                result_type=ChangePage,
                task_queue=shared.TIKTOK_TASK_QUEUE,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RETRY_FOREVER,
                summary=f"{search.kind} page {progress.pages + 1}",
            )
            progress.pages += 1
            if not search.page_token:
                progress.total += page.total_count
            for change in page.changes:
                progress.saw(change)
                if not self._dry_run:
                    await self._hand_over(change)
            if page.next_page_token:
                state.searches[0] = search.model_copy(update={"page_token": page.next_page_token})
            else:
                state.searches.pop(0)
            progress.cursor = (
                f"{state.searches[0].kind}:{state.searches[0].page_token}" if state.searches else ""
            )
            if state.searches and workflow.info().is_continue_as_new_suggested():
                await self.drain()
                await workflow.wait_condition(workflow.all_handlers_finished)
                continue_as_new(state)
        await self.drain()

    async def drain(self) -> None:
        """Wait for every hand-over in flight; re-raises what none of them should have raised."""
        await workflow.wait_condition(lambda: self._in_flight == 0)
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*tasks)

    async def _hand_over(self, change: OrderChange) -> None:
        await workflow.wait_condition(lambda: self._in_flight < self._window)
        self._in_flight += 1
        self._tasks.append(asyncio.create_task(self._deliver(change)))

    async def _deliver(self, change: OrderChange) -> None:
        try:
            outcome: Delivery = await workflow.execute_activity(
                contracts.DELIVER_ORDER_EVENT,
                contracts.OrderEventDelivery(
                    shop_id=self._shop_id, order_id=change.order_id, event=change.event(self._source)
                ),
                result_type=Delivery,
                task_queue=shared.ORDERS_TASK_QUEUE,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RETRY_FOREVER,
                summary=f"order {change.order_id}",
            )
            self.progress.delivered(outcome)
        except ActivityError as err:
            cause = err.cause
            if not (isinstance(cause, ApplicationError) and cause.non_retryable):
                raise
            # Counted and named in the progress; the other orders go on.
            self.progress.failed(change.order_id, cause.message)
        finally:
            self._in_flight -= 1
