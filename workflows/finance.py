"""`FinanceSyncWorkflow`: read a shop's TikTok statements into the store, run daily by the shop's finance
Schedule (`workers.schedules`) and on demand (`creatorflow finance sync`).

It reads from the shop's finance cursor (or `since`), one page of statements per activity, then moves the
cursor to the oldest statement still PROCESSING (its payment status will change) or just past the newest
one read. Every write is an upsert by TikTok's ids, so a rerun over the same range changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import search_attributes
from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.finance import (
        FINANCE_CURSOR,
        FinancePageRequest,
        FinancePageResult,
        FinanceSyncInput,
        FinanceSyncProgress,
        next_cursor,
    )
    from creatorflow.names import PROGRESS_QUERY

PAGE_TIMEOUT = timedelta(minutes=10)
CURSOR_TIMEOUT = timedelta(seconds=30)
# A page that keeps failing (TikTok down, the shop deauthorized) fails this run; tomorrow's starts again
# from the same cursor, so nothing is lost.
PAGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=5)


@workflow.defn
class FinanceSyncWorkflow:
    @workflow.init
    def __init__(self, input: FinanceSyncInput) -> None:
        self._progress = FinanceSyncProgress(shop_id=input.shop_id, since=input.since or 0)

    @workflow.run
    async def run(self, input: FinanceSyncInput) -> FinanceSyncProgress:
        workflow.upsert_search_attributes([search_attributes.SHOP_ID.value_set(input.shop_id)])
        cursor_ref = contracts.SyncCursorRef(shop_id=input.shop_id, name=FINANCE_CURSOR)
        cursor = await call(
            contracts.LOAD_SYNC_CURSOR,
            cursor_ref,
            start_to_close_timeout=CURSOR_TIMEOUT,
            summary="load cursor",
        )
        lookback = int((workflow.now() - input.policy.first_sync_lookback).timestamp())
        since = input.since if input.since is not None else (cursor or lookback)
        self._progress.since = since
        pages: list[FinancePageResult] = []
        token = ""
        while True:
            page = await call(
                contracts.SYNC_FINANCE_PAGE,
                FinancePageRequest(
                    shop_id=input.shop_id,
                    statement_time_ge=since,
                    page_token=token,
                    page_size=input.policy.statements_per_page,
                ),
                start_to_close_timeout=PAGE_TIMEOUT,
                retry_policy=PAGE_RETRY,
                summary=f"statements from {since}",
            )
            pages.append(page)
            self._progress.add(page)
            token = page.next_page_token
            if not token:
                break
        # A sync from an explicit `since` may start before the cursor: the cursor still never moves back.
        target = next_cursor(since, pages)
        self._progress.cursor = await call(
            contracts.ADVANCE_SYNC_CURSOR,
            contracts.SyncCursorUpdate(shop_id=input.shop_id, name=FINANCE_CURSOR, value=target),
            start_to_close_timeout=CURSOR_TIMEOUT,
            summary=f"advance the finance cursor to {target}",
        )
        self._progress.done = True
        return self._progress

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> FinanceSyncProgress:
        return self._progress
