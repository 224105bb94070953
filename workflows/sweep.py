"""What `BackfillWorkflow` and `ReconcileWorkflow` share: page TikTok searches and hand every order seen
to its own workflow (start it, or signal it), one activity per page that keeps at most `window`
hand-overs in flight at once (one activity per order would cost a backfill of 2,000 orders ~12,000
history events and minutes; per page, it is a few dozen).

The searches still to page and the progress so far are a `SweepState`, so either workflow can continue as
new between two pages of a search.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Literal, NoReturn

from temporalio import workflow

from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.sync import DeliveryReport, OrderChange, SweepState, SyncProgress

SEARCH_TIMEOUT = timedelta(seconds=30)
# One page (up to 100 orders) per delivery; it heartbeats after each order.
DELIVERY_TIMEOUT = timedelta(minutes=5)
DELIVERY_HEARTBEAT = timedelta(seconds=30)


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

    @property
    def progress(self) -> SyncProgress:
        return self.state.progress

    async def run(self, continue_as_new: Callable[[SweepState], NoReturn]) -> None:
        """Page every search to its end; `continue_as_new(state)` between pages when Temporal suggests it.

        A page's orders are all handed over before the cursor moves past the page, so a continue-as-new
        (or a crash) never skips one.
        """
        state, progress = self.state, self.state.progress
        while state.searches:
            search = state.searches[0]
            page = await call(
                contracts.SEARCH_CHANGES,
                search,
                start_to_close_timeout=SEARCH_TIMEOUT,
                summary=f"{search.kind} page {progress.pages + 1}",
            )
            for change in [*page.changes, *page.closed]:
                progress.saw(change)
            progress.closed += len(page.closed)
            if page.changes and not self._dry_run:
                progress.add(await self._hand_over(page.changes))
            progress.pages += 1
            if not search.page_token:
                progress.total += page.total_count
            if page.next_page_token:
                state.searches[0] = search.model_copy(update={"page_token": page.next_page_token})
            else:
                state.searches.pop(0)
            progress.cursor = (
                f"{state.searches[0].kind}:{state.searches[0].page_token}" if state.searches else ""
            )
            if state.searches and workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                continue_as_new(state)

    async def _hand_over(self, changes: list[OrderChange]) -> DeliveryReport:
        return await call(
            contracts.DELIVER_ORDER_CHANGES,
            contracts.OrderChangeBatch(
                shop_id=self._shop_id, source=self._source, changes=changes, window=self._window
            ),
            start_to_close_timeout=DELIVERY_TIMEOUT,
            heartbeat_timeout=DELIVERY_HEARTBEAT,
            summary=f"hand {len(changes)} orders to their workflows",
        )
