"""Names defined once: task queues, workflow IDs, message names and search attributes.

Everything that starts, signals, queries or finds a workflow (API, CLI, tests, operators' saved queries)
uses these, so a rename happens in one place.
"""

from __future__ import annotations

import re

from temporalio.common import SearchAttributeKey

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


def reconcile_schedule_id(shop_id: str) -> str:
    """The shop's reconcile Schedule; its runs get this id plus the schedule's timestamp suffix."""
    return f"reconcile:{shop_id}"


# A Schedule names each run it starts by its ID plus "-" and the scheduled time (RFC 3339, in UTC).
_SCHEDULED_RUN = re.compile(r"-\d{4}-\d{2}-\d{2}T[\d:.]+Z$")
_SHOP_SCOPED = ("shop", "catalog", "backfill", "reconcile")


def ids_of_workflow(workflow_id: str) -> dict[str, str]:
    """The `shop_id` and `order_id` an ID built above names (a shop-level workflow's: `shop_id` only; any
    other ID: neither), so logs from a workflow and its activities say which shop and order they concern."""
    kind, _, rest = workflow_id.partition(":")
    if kind == "order":
        shop_id, _, order_id = rest.partition(":")
        return {"shop_id": shop_id, "order_id": order_id} if shop_id and order_id else {}
    if kind == "reconcile":
        rest = _SCHEDULED_RUN.sub("", rest)
    shop_id = rest.partition(":")[0]
    return {"shop_id": shop_id} if kind in _SHOP_SCOPED and shop_id else {}


# Query of BackfillWorkflow and ReconcileWorkflow: their `creatorflow.sync.SyncProgress`.
PROGRESS_QUERY = "progress"


# Search attributes: no PII ever (values are stored in clear). The dev server's SQLite visibility allows
# at most 10 Keyword and 3 of each other type per namespace.
SHOP_ID = SearchAttributeKey.for_keyword("ShopId")
ORDER_ID = SearchAttributeKey.for_keyword("OrderId")
FULFILLMENT_STATE = SearchAttributeKey.for_keyword("FulfillmentState")
TIKTOK_STATUS = SearchAttributeKey.for_keyword("TikTokStatus")
FULFILLMENT_MODE = SearchAttributeKey.for_keyword("FulfillmentMode")
CARRIER = SearchAttributeKey.for_keyword("Carrier")
TRACKING_NUMBER = SearchAttributeKey.for_keyword("TrackingNumber")
ATTENTION_REASON = SearchAttributeKey.for_keyword("AttentionReason")
SHIP_BY = SearchAttributeKey.for_datetime("ShipBy")
LABEL_COST_CENTS = SearchAttributeKey.for_int("LabelCostCents")
# Shop workflows: ShopId and AttentionReason as above, plus the credentials' lifecycle and when the
# seller's authorization ends (they must re-authorize before then).
SHOP_STATUS = SearchAttributeKey.for_keyword("ShopStatus")
AUTHORIZATION_EXPIRES_AT = SearchAttributeKey.for_datetime("AuthorizationExpiresAt")
LOW_STOCK = SearchAttributeKey.for_bool("LowStock")  # a shop's catalog has SKUs at or under the threshold
# An order not yet in the carrier's hands within the policy's margin of its ShipBy.
LATE_SHIPMENT_RISK = SearchAttributeKey.for_bool("LateShipmentRisk")

SEARCH_ATTRIBUTES: list[SearchAttributeKey] = [
    SHOP_ID,
    ORDER_ID,
    FULFILLMENT_STATE,
    TIKTOK_STATUS,
    FULFILLMENT_MODE,
    CARRIER,
    TRACKING_NUMBER,
    ATTENTION_REASON,
    SHIP_BY,
    LABEL_COST_CENTS,
    SHOP_STATUS,
    AUTHORIZATION_EXPIRES_AT,
    LOW_STOCK,
    LATE_SHIPMENT_RISK,
]
