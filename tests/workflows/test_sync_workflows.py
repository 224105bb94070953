"""BackfillWorkflow and ReconcileWorkflow on a real dev server that suggests continue-as-new after a few
dozen events, with a scripted TikTok search and order gateway behind the activity names (the real
activities run against the emulators in tests/e2e)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import contracts
from creatorflow.names import ORDERS_TASK_QUEUE, TIKTOK_TASK_QUEUE
from creatorflow.sync import (
    BackfillInput,
    ChangePage,
    ChangeSearch,
    Delivery,
    DeliveryReport,
    OrderChange,
    ReconcileInput,
    SyncPolicy,
    SyncProgress,
)
from workers.worker import running_workers
from workflows.backfill import BackfillWorkflow
from workflows.reconcile import ReconcileWorkflow

PAGE = 5
OCT_1 = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())


@dataclass
class FakeShop:
    """TikTok's searches over a list of changes, and the order workflows they are handed to."""

    orders: list[OrderChange] = field(default_factory=list)
    returns: list[OrderChange] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # order id -> create_time
    finished: set[str] = field(default_factory=set)  # order workflows that already ended
    running: set[str] = field(default_factory=set)
    delivered: list[str] = field(default_factory=list)  # event ids, in order
    searches: list[ChangeSearch] = field(default_factory=list)
    search_runs: set[str] = field(default_factory=set)  # run ids of the workflow that searched
    cursor: int = 0

    @activity.defn(name=contracts.SEARCH_CHANGES.name)
    async def search(self, search: ChangeSearch) -> ChangePage:
        self.searches.append(search)
        self.search_runs.add(activity.info().workflow_run_id or "")
        source = {"orders": self.orders, "returns": self.returns}.get(search.kind, [])

        def when(change: OrderChange) -> int:
            return self.created[change.order_id] if search.time_field == "create_time" else change.update_time

        found = [
            c
            for c in source
            if (search.ge is None or when(c) >= search.ge) and (search.lt is None or when(c) < search.lt)
        ]
        start = int(search.page_token or 0)
        more = start + PAGE < len(found)
        return ChangePage(
            changes=found[start : start + PAGE],
            next_page_token=str(start + PAGE) if more else "",
            total_count=len(found),
        )

    @activity.defn(name=contracts.DELIVER_ORDER_CHANGES.name)
    async def deliver(self, batch: contracts.OrderChangeBatch) -> DeliveryReport:
        report = DeliveryReport()
        for change in batch.changes:
            self.delivered.append(change.event(batch.source).event_id)
            if change.order_id in self.finished:
                report.count(Delivery.FINISHED)
            elif change.order_id in self.running:
                report.count(Delivery.SIGNALLED)
            else:
                self.running.add(change.order_id)
                report.count(Delivery.STARTED)
        return report

    @activity.defn(name=contracts.LOAD_SYNC_CURSOR.name)
    async def load_cursor(self, ref: contracts.SyncCursorRef) -> int:
        return self.cursor

    @activity.defn(name=contracts.ADVANCE_SYNC_CURSOR.name)
    async def advance_cursor(self, update: contracts.SyncCursorUpdate) -> int:
        self.cursor = max(self.cursor, update.value)
        return self.cursor

    def add_orders(self, count: int, *, created: int, updated: int | None = None) -> list[str]:
        ids = [f"5766{len(self.orders) + i:014d}" for i in range(count)]
        for order_id in ids:
            self.created[order_id] = created
            self.orders.append(
                OrderChange(
                    order_id=order_id,
                    ref_id=order_id,
                    tiktok_status="COMPLETED",
                    update_time=updated or created,
                )
            )
        return ids


@pytest.fixture
async def shop(short_history_env: WorkflowEnvironment) -> AsyncIterator[FakeShop]:
    fake = FakeShop()
    client = short_history_env.client
    workers = [
        Worker(
            client,
            task_queue=ORDERS_TASK_QUEUE,
            workflows=[BackfillWorkflow, ReconcileWorkflow],
            activities=[fake.deliver, fake.load_cursor, fake.advance_cursor],
        ),
        Worker(client, task_queue=TIKTOK_TASK_QUEUE, activities=[fake.search]),
    ]
    async with running_workers(workers):
        yield fake


def october(**options: object) -> BackfillInput:
    since, until = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    return BackfillInput.model_validate({"shop_id": "shop-1", "since": since, "until": until, **options})


async def run_backfill(env: WorkflowEnvironment, request: BackfillInput) -> SyncProgress:
    return await env.client.execute_workflow(
        BackfillWorkflow.run, request, id=f"backfill-test-{uuid.uuid4()}", task_queue=ORDERS_TASK_QUEUE
    )


async def run_reconcile(env: WorkflowEnvironment, request: ReconcileInput) -> SyncProgress:
    return await env.client.execute_workflow(
        ReconcileWorkflow.run, request, id=f"reconcile-test-{uuid.uuid4()}", task_queue=ORDERS_TASK_QUEUE
    )


async def test_backfill_hands_each_order_over_once_across_continue_as_new(
    short_history_env: WorkflowEnvironment, shop: FakeShop
) -> None:
    inside = shop.add_orders(47, created=OCT_1 + 3600)
    shop.add_orders(3, created=OCT_1 - 1)  # before `since`: not this backfill's
    request = october(window=4)

    progress = await run_backfill(short_history_env, request)

    assert shop.delivered == [f"backfill:status:{order_id}:{OCT_1 + 3600}" for order_id in inside]
    assert (progress.pages, progress.total, progress.seen, progress.started) == (10, 47, 47, 47)
    assert (progress.skipped, progress.errors, progress.done, progress.cursor) == (0, 0, True, "")
    assert len(shop.search_runs) > 1  # it continued as new, carrying its cursor and counters
    assert {search.page_token for search in shop.searches} == {"", *(str(n) for n in range(5, 47, 5))}


async def test_backfill_run_twice_starts_nothing_new(
    short_history_env: WorkflowEnvironment, shop: FakeShop
) -> None:
    ids = shop.add_orders(12, created=OCT_1)
    request = october()
    first = await run_backfill(short_history_env, request)
    shop.finished |= set(ids[:4])  # those orders' workflows ended meanwhile (completed, cancelled)

    second = await run_backfill(short_history_env, request)

    assert (first.started, first.already_existed, first.skipped) == (12, 0, 0)
    assert (second.started, second.already_existed, second.skipped) == (0, 8, 4)


async def test_dry_run_counts_and_touches_nothing(
    short_history_env: WorkflowEnvironment, shop: FakeShop
) -> None:
    shop.add_orders(12, created=OCT_1)
    progress = await run_backfill(short_history_env, october(dry_run=True))
    assert (progress.seen, progress.pages, progress.started, progress.done) == (12, 3, 0, True)
    assert progress.by_status == {"COMPLETED": 12}
    assert shop.delivered == []


async def test_reconcile_reads_from_the_cursor_with_overlap_and_advances_it(
    short_history_env: WorkflowEnvironment, shop: FakeShop
) -> None:
    policy = SyncPolicy(reconcile_overlap=timedelta(minutes=10))
    shop.cursor = OCT_1
    shop.add_orders(3, created=OCT_1 - 86400, updated=OCT_1 - 1200)  # older than cursor and overlap
    recent = shop.add_orders(6, created=OCT_1 - 86400, updated=OCT_1 - 300)  # inside the overlap
    newer = shop.add_orders(4, created=OCT_1 - 86400, updated=OCT_1 + 50)
    shop.returns.append(
        OrderChange(
            order_id=newer[0], kind="return", ref_id="ret-1", tiktok_status="PENDING", update_time=OCT_1 + 90
        )
    )
    request = ReconcileInput(shop_id="shop-1", policy=policy)

    progress = await run_reconcile(short_history_env, request)

    assert {search.kind for search in shop.searches} == {"orders", "returns", "cancellations"}
    assert {search.ge for search in shop.searches} == {OCT_1 - 600}
    assert {search.time_field for search in shop.searches} == {"update_time"}
    assert progress.seen == 11 and progress.started == 10 and progress.already_existed == 1
    assert "reconcile:return:ret-1:" + str(OCT_1 + 90) in shop.delivered
    assert len(shop.delivered) == len(set(shop.delivered)) == 11
    assert set(recent) <= {event.split(":")[2] for event in shop.delivered}
    assert shop.cursor == OCT_1 + 90  # the newest update TikTok showed, once all were handed over


async def test_first_reconcile_pass_looks_back_and_an_idle_pass_keeps_the_cursor(
    short_history_env: WorkflowEnvironment, shop: FakeShop
) -> None:
    policy = SyncPolicy(reconcile_overlap=timedelta(minutes=10), reconcile_lookback=timedelta(hours=2))
    request = ReconcileInput(shop_id="shop-1", policy=policy)
    before = int(datetime.now(UTC).timestamp())

    progress = await run_reconcile(short_history_env, request)

    [since] = {search.ge for search in shop.searches}
    assert since is not None and before - 2 * 3600 - 600 - 5 <= since <= before - 2 * 3600 - 600 + 60
    assert (progress.seen, progress.done) == (0, True)
    assert shop.cursor == 0  # nothing seen: nothing to advance to
