"""Names defined once: task queues, workflow IDs, and the names of every workflow's signals, queries
and updates.

Everything that starts, signals, queries or finds a workflow (the API, the CLI, workers, tests, operators'
saved queries) uses these, so a rename happens in one place. They are plain strings, so the core (the API)
can use them without importing Temporal. The other names live next to what needs them: activity names
with their definitions (`activities.contracts`), search attribute keys, which are Temporal objects, in
`workflows.search_attributes`.
"""

from __future__ import annotations

import re

# Task queues. Every TikTok API activity runs on its own queue: its own worker slots, and one rate limit
# across all workers (`TikTokSettings.queue_activities_per_second`). Live orders have no priority on it.
ORDERS_TASK_QUEUE = "orders"
TIKTOK_TASK_QUEUE = "tiktok-api"


def order_workflow_id(shop_id: str, order_id: str) -> str:
    return f"order:{shop_id}:{order_id}"


def shop_workflow_id(shop_id: str) -> str:
    return f"shop:{shop_id}"


def catalog_workflow_id(shop_id: str) -> str:
    return f"catalog:{shop_id}"


def backfill_workflow_id(shop_id: str, since: str, until: str, *, dry_run: bool = False) -> str:
    """`since`/`until` as the user wrote them (normalised), `until` "now" when open-ended."""
    return f"backfill:{shop_id}:{since}:{until}" + (":dry-run" if dry_run else "")


# The one alerts Schedule (every shop's alerts and digests); its runs get this id plus a timestamp.
ALERTS_SCHEDULE_ID = "alerts"


def reconcile_schedule_id(shop_id: str) -> str:
    """The shop's reconcile Schedule; its runs get this id plus the schedule's timestamp suffix."""
    return f"reconcile:{shop_id}"


def finance_schedule_id(shop_id: str) -> str:
    """The shop's daily finance sync Schedule; its runs get the schedule's timestamp suffix."""
    return f"finance:{shop_id}"


def finance_sync_workflow_id(shop_id: str) -> str:
    """A finance sync started from the CLI (one at a time per shop)."""
    return f"finance:{shop_id}:now"


# An order's return label is bought under `{order workflow id}:return-label:{request id}`
# (workflows/order/aftersales.py), its outbound labels under `{order workflow id}:label:{generation}`.
RETURN_LABEL_KEY_PART = ":return-label:"


# A Schedule names each run it starts by its ID plus "-" and the scheduled time (RFC 3339, in UTC).
_SCHEDULED_RUN = re.compile(r"-\d{4}-\d{2}-\d{2}T[\d:.]+Z$")
_SHOP_SCOPED = ("shop", "catalog", "backfill", "reconcile", "finance")


def ids_of_workflow(workflow_id: str) -> dict[str, str]:
    """The `shop_id` and `order_id` an ID built above names (a shop-level workflow's: `shop_id` only; any
    other ID: neither), so logs from a workflow and its activities say which shop and order they concern."""
    kind, _, rest = workflow_id.partition(":")
    if kind == "order":
        shop_id, _, order_id = rest.partition(":")
        return {"shop_id": shop_id, "order_id": order_id} if shop_id and order_id else {}
    if kind in ("reconcile", "finance"):
        rest = _SCHEDULED_RUN.sub("", rest)
    shop_id = rest.partition(":")[0]
    return {"shop_id": shop_id} if kind in _SHOP_SCOPED and shop_id else {}


class OrderMessage:
    """Names of the order workflow's signals, query and updates."""

    TIKTOK_EVENT = "tiktok_event"
    TRACKING_EVENT = "tracking_event"
    STATE = "state"
    RETRY = "retry"
    HOLD = "hold"
    RELEASE = "release"
    RESHIP = "reship"
    CANCEL = "cancel"
    APPROVE = "approve_aftersale"
    REJECT = "reject_aftersale"


class ShopMessage:
    """Names of the shop workflow's signals, query and update."""

    CONNECTED = "connected"
    AUTHORIZATION_EVENT = "authorization_event"
    STATUS = "status"
    REFRESH_NOW = "refresh_now"


class CatalogMessage:
    """Names of the catalog workflow's signal and query."""

    CHANGED = "catalog_changed"
    STATE = "state"


# Query of BackfillWorkflow and ReconcileWorkflow (their `creatorflow.sync.SyncProgress`) and of
# FinanceSyncWorkflow (its `creatorflow.finance.FinanceSyncProgress`).
PROGRESS_QUERY = "progress"
