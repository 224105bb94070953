"""Polling TikTok so no order depends on a webhook: reconciliation passes and backfills as plain data.

`ReconcileWorkflow` (a Temporal Schedule per shop) and `BackfillWorkflow` (from the CLI) page TikTok's
order, return and cancellation searches and hand every order they see to its order workflow, as the
webhook inbox would. Nothing here knows about Temporal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from creatorflow.orders import OrderPolicy, TikTokOrderEvent

SearchKind = Literal["orders", "returns", "cancellations"]
TimeField = Literal["create_time", "update_time"]
RECONCILE_CURSOR = "reconcile"  # the name of the reconcile cursor in the store, per shop
MAX_FAILURES_KEPT = 20


class SyncPolicy(BaseModel):
    """How often and how far back we poll; part of `Settings` (`CREATORFLOW_SYNC__*`)."""

    model_config = ConfigDict(frozen=True)

    reconcile_every: timedelta = Field(default=timedelta(minutes=5), gt=timedelta(0))
    # Each pass re-reads this much before the cursor: clock skew, and updates in the cursor's own second.
    reconcile_overlap: timedelta = Field(default=timedelta(minutes=10), ge=timedelta(0))
    # A shop's first pass (no cursor yet) looks back this far; older orders are a backfill's job.
    reconcile_lookback: timedelta = Field(default=timedelta(days=1), gt=timedelta(0))
    # At most this many order workflows are being started or signalled at once by one pass or backfill.
    window: int = Field(default=20, ge=1, le=500)


class ChangeSearch(BaseModel):
    """One TikTok search (orders, returns or cancellations) in a time range, from `page_token` on."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    kind: SearchKind = "orders"
    time_field: TimeField = "update_time"
    ge: int | None = None  # Unix seconds, inclusive
    lt: int | None = None  # Unix seconds, exclusive
    page_token: str = ""
    # Set by a backfill: orders TikTok shows closed (completed, cancelled, or delivered longer ago than
    # this: past the return window) are recorded in the store from the page and listed apart, for no
    # workflow needs them. None: every order is a change to hand over (reconcile, a dry run).
    closed_after_delivery: timedelta | None = None


class OrderChange(BaseModel):
    """An order TikTok's search shows, as the event its workflow is told (the search's own id, if any)."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    kind: Literal["status", "return", "cancellation"] = "status"
    ref_id: str  # the order, return or cancellation id
    tiktok_status: str = ""  # the order's, return's or cancellation's status
    update_time: int

    def event(self, source: Literal["reconcile", "backfill"]) -> TikTokOrderEvent:
        """Deterministic id, so the same change delivered twice is ignored by the order workflow."""
        return TikTokOrderEvent(
            event_id=f"{source}:{self.kind}:{self.ref_id}:{self.update_time}",
            source=source,
            kind=self.kind,
            tiktok_status=self.tiktok_status if self.kind == "status" else None,
            update_time=self.update_time,
        )


class ChangePage(BaseModel):
    model_config = ConfigDict(frozen=True)

    changes: list[OrderChange] = Field(default_factory=list)
    closed: list[OrderChange] = Field(default_factory=list)  # recorded in the store, not handed over
    next_page_token: str = ""
    total_count: int = 0


class Delivery(StrEnum):
    """What happened when an order's workflow was handed a change."""

    STARTED = "STARTED"  # no workflow yet: started with the event
    SIGNALLED = "SIGNALLED"  # running: signalled
    FINISHED = "FINISHED"  # finished: left alone (never restarted)


class DeliveryReport(BaseModel):
    """What handing one page of changes to their order workflows did."""

    started: int = 0
    already_existed: int = 0
    skipped: int = 0
    failures: list[str] = Field(default_factory=list)  # "order_id: reason", for orders that could not be

    def count(self, outcome: Delivery) -> None:
        if outcome is Delivery.STARTED:
            self.started += 1
        elif outcome is Delivery.SIGNALLED:
            self.already_existed += 1
        else:
            self.skipped += 1


class SyncProgress(BaseModel):
    """What a backfill or a reconcile pass has done so far: its `progress` query and its result."""

    pages: int = 0
    total: int = 0  # what TikTok's searches reported as their total counts
    seen: int = 0
    started: int = 0
    already_existed: int = 0  # running order workflows, signalled
    skipped: int = 0  # finished order workflows, left alone
    errors: int = 0
    closed: int = 0  # orders TikTok shows closed: recorded in the store, no workflow (backfill)
    failures: list[str] = Field(default_factory=list)  # the latest few "order_id: reason"
    by_status: dict[str, int] = Field(default_factory=dict)  # TikTok status of the orders seen
    newest_update_time: int = 0
    cursor: str = ""  # the search in progress and its page token
    done: bool = False

    def saw(self, change: OrderChange) -> None:
        self.seen += 1
        self.newest_update_time = max(self.newest_update_time, change.update_time)
        if change.kind == "status":
            self.by_status[change.tiktok_status] = self.by_status.get(change.tiktok_status, 0) + 1

    def add(self, report: DeliveryReport) -> None:
        self.started += report.started
        self.already_existed += report.already_existed
        self.skipped += report.skipped
        self.errors += len(report.failures)
        self.failures += report.failures
        del self.failures[:-MAX_FAILURES_KEPT]


class SweepState(BaseModel):
    """The searches still to page (the first one from its page token), carried across continue-as-new."""

    searches: list[ChangeSearch]
    progress: SyncProgress = Field(default_factory=SyncProgress)


class BackfillInput(BaseModel):
    """Orders created in [since, until) of one shop; `until` None means "when the backfill starts"."""

    shop_id: str
    since: datetime
    until: datetime | None = None
    dry_run: bool = False
    window: int = Field(default=SyncPolicy().window, ge=1, le=500)
    # Delivered orders older than this are closed: recorded, not handed to a workflow.
    return_window: timedelta = OrderPolicy().return_window
    carried: SweepState | None = None


class ReconcileInput(BaseModel):
    shop_id: str
    policy: SyncPolicy = Field(default_factory=SyncPolicy)
    carried: SweepState | None = None
    cursor_before: int = 0  # the stored cursor this pass started from (0: none), carried with the sweep
