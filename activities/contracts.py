"""Every activity's definition (its name, input and output types, task queue) and the models that cross
them, shared by workflows (which call activities through these, `workflows.calls`) and the activity
classes (which register under `DEF.name`). Nothing here imports an SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from pydantic import Field

from creatorflow import shops
from creatorflow.aftersales import AfterSaleRequest
from creatorflow.domain import Address, Label, LabelRefund, Message, Parcel, Provider, Tracking
from creatorflow.finance import FinancePageRequest, FinancePageResult
from creatorflow.inventory import CatalogSummary, InventoryPolicy, Reservation
from creatorflow.names import ORDERS_TASK_QUEUE, TIKTOK_TASK_QUEUE
from creatorflow.orders import OrderItem, OrderSnapshot, RateChoice
from creatorflow.shipping.parcels import PlannedParcel
from creatorflow.shops import TokenExpiries
from creatorflow.sync import ChangePage, ChangeSearch, DeliveryReport, OrderChange

# Types of the non-retryable ApplicationErrors activities raise. Any of them moves the order to
# NEEDS_ATTENTION (with the type as AttentionReason) instead of failing the workflow.
ADDRESS_INVALID = "AddressInvalid"
NO_ELIGIBLE_RATE = "NoEligibleRate"
WAREHOUSE_UNKNOWN = (
    "WarehouseUnknown"  # the order's warehouse (or the shop's return one) is not in TikTok's list
)
PACKAGE_UNKNOWN = "PackageUnknown"  # a SKU with neither TikTok package data nor the seller's override
ITEM_TOO_LARGE = "ItemTooLarge"  # an item none of the shop's boxes holds
# The buyer changed the address after the carrier took the package: only the carrier can redirect it.
ADDRESS_CHANGED_AFTER_HANDOVER = "AddressChangedAfterHandover"
# The buyer changed the address after TikTok sold us the label: TikTok documents no way to void or redo it.
ADDRESS_CHANGED_ON_TIKTOK_LABEL = "AddressChangedOnTikTokLabel"
# The buyer changed the address after labels were bought for the packages of a split order.
ADDRESS_CHANGED_ON_SPLIT_ORDER = "AddressChangedOnSplitOrder"
# The order needs several boxes and TikTok will not split it (its reason in the message), or one parcel is
# over the weight limit with no box presets to split it into.
SPLIT_NEEDED = "SplitNeeded"
# TikTok's packages changed (split, merged) after labels were bought for the ones before.
PACKAGES_CHANGED = "PackagesChanged"
# TikTok combined the order's package with other orders': one label must ship them all, not one per order.
COMBINED_PACKAGE = "CombinedPackage"
PURCHASE_REJECTED = "PurchaseRejected"
SHIPPING_CONTRACT = "ShippingContract"
TIKTOK_REFUSED = "TikTokRefused"
TIKTOK_CONTRACT = "TikTokContract"
SHOP_AUTHORIZATION = "ShopAuthorization"
SHOP_DEAUTHORIZED = shops.SHOP_DEAUTHORIZED  # the seller revoked the app: no label until they authorize again
# TikTok rejected the refresh token: no label until the seller authorizes again (the shop's own reason).
SHOP_NEEDS_REAUTHORIZATION = shops.REAUTHORIZATION_REQUIRED


class OrderRef(Message):
    shop_id: str
    order_id: str


class ShipPackageRequest(Message):
    """Tell TikTok the order left with our carrier and tracking number; for a label TikTok sold us, hand its
    package over instead (TikTok has the tracking number already)."""

    shop_id: str
    order_id: str
    tracking_number: str
    carrier: str
    tiktok_label: bool = False
    # One package of an order shipped as several: TikTok's line items in it ([]: the whole order).
    order_line_item_ids: list[str] = Field(default_factory=list)


class UpdateTrackingRequest(Message):
    """Give TikTok the tracking number of the label that replaced the one it holds for the package."""

    shop_id: str
    order_id: str
    package_id: str
    tracking_number: str
    carrier: str


class ShipPackageResult(Message):
    package_id: str
    shipping_provider_id: str
    already_shipped: bool = False  # the first call worked but its answer was lost


class TikTokLabel(Message):
    """A TikTok-issued label (TikTok shipping): the document URL is valid for 24 hours."""

    package_id: str
    doc_url: str
    tracking_number: str


class CancelOrderRequest(Message):
    shop_id: str
    order_id: str
    reason: str


class RateQuery(Message):
    """Everything needed to pick a rate for one order's package."""

    reference: str  # the order-side key stored on the provider's shipment
    # The shop whose packages, boxes and rules apply; "" only in queries made before it was sent, whose
    # `reference` (the order workflow's id) names the shop.
    shop_id: str = ""
    order_id: str = ""  # whose TikTok Shipping quotes to weigh ("": none, as in queries made before)
    warehouse_id: str = ""  # TikTok's warehouse the order ships from: the label's origin
    delivery_option_id: str = ""  # TikTok's delivery option: only its carriers may carry the label
    to_address: Address
    order_value: Decimal | None = None  # TikTok's total, for rules on order value
    currency: str = ""  # the order's; rates in another currency are not bought ("": not checked)
    # A return label: from `to_address` (the buyer) back to the shop's return warehouse.
    returning: bool = False
    items: list[OrderItem]
    ship_by: datetime | None = None
    deliver_by: datetime | None = None
    provider: Provider | None = None  # an operator's reship pins these
    service: str | None = None
    # One package of an order shipped as several: exactly its planned box (None: pack `items` now). TikTok
    # Shipping is not weighed for it: TikTok sells one label per order.
    parcel: Parcel | None = None


class ShipmentFactsRequest(Message):
    """Make sure the store has what TikTok knows about an order's shipment: its products' package data, the
    warehouse it ships from and the carriers its delivery option takes (each read only when lacking); and,
    for the order's own label, TikTok Shipping's quotes for its parcel (kept for the choice that follows)."""

    shop_id: str
    order_id: str
    items: list[OrderItem]
    warehouse_id: str = ""
    delivery_option_id: str = ""  # whose carriers TikTok takes (seller shipping)
    quote_tiktok_shipping: bool = False  # the order's own label; never a return's


class ParcelPlanRequest(Message):
    """Plan the boxes for these items, as the shop packs them."""

    shop_id: str
    items: list[OrderItem]


class ParcelPlan(Message):
    parcels: list[PlannedParcel]


class SplitGroupRequest(Message):
    group_id: str  # ours, derived from the plan (`creatorflow.packages.group_id`)
    line_item_ids: list[str]


class SplitRequest(Message):
    """Split an order on TikTok into one package per group, unless TikTok has it so already."""

    shop_id: str
    order_id: str
    groups: list[SplitGroupRequest]


class SplitResult(Message):
    package_ids: dict[str, str]  # group id -> TikTok's package id


class BuyTikTokLabelRequest(Message):
    """Buy TikTok's label for the chosen TikTok Shipping rate, for the order's parcel; once per order."""

    shop_id: str
    order_id: str
    items: list[OrderItem]
    choice: RateChoice
    idempotency_key: str


class BuyLabelRequest(Message):
    """Buy exactly `choice.rate` under `idempotency_key`; retried unchanged until it answers."""

    choice: RateChoice
    idempotency_key: str


class LabelRecord(Message):
    shop_id: str
    order_id: str
    label: Label


class OrderRecordUpdate(Message):
    shop_id: str
    order_id: str
    state: str
    tiktok_status: str = ""
    tiktok_update_time: int = 0
    carrier: str = ""
    tracking_number: str = ""
    ship_by: datetime | None = None
    # Added after release (defaults, so older workflows' payloads still decode): what alerts and the
    # quality metrics read from the projection (docs/alerts.md).
    stage: str = ""  # progress under a hold or a problem (creatorflow.orders.FulfillmentState)
    attention_reason: str = ""
    attention_since: datetime | None = None
    cancel_reason: str = ""
    fulfillment_mode: str | None = None  # FulfillmentMode, once TikTok's order was read


class ShopRef(Message):
    shop_id: str


class ShopRecordUpdate(Message):
    """What the store keeps of a shop's workflow: DEAUTHORIZED stops order intake for the shop."""

    shop_id: str
    status: str  # creatorflow.store.tables.ShopStatus
    authorization_expires_at: datetime | None = None


class LabelRefundRecord(Message):
    idempotency_key: str
    status: str


class AfterSales(Message):
    """The cancellation and return/refund requests TikTok holds for one order."""

    cancellations: list[AfterSaleRequest] = Field(default_factory=list)
    returns: list[AfterSaleRequest] = Field(default_factory=list)


class AfterSaleVerdict(Message):
    """Approve or reject one request on TikTok; `idempotency_key` makes a retried call act once."""

    shop_id: str
    kind: Literal["cancellation", "return"]
    request_id: str
    approve: bool
    idempotency_key: str
    decision: str = ""  # returns only: TikTok's decision value, e.g. APPROVE_REFUND
    reject_reason: str = ""
    comment: str = ""


class ReturnRecordUpdate(Message):
    """Return analytics: one row per return/refund request, updated as it moves."""

    shop_id: str
    order_id: str
    return_id: str
    return_type: str
    status: str
    reason: str = ""
    amount: Decimal | None = None
    currency: str = ""
    requested_at: int = 0  # TikTok's create_time (Unix s)
    refunded_at: int | None = None  # TikTok's update_time when the refund completed
    decided_by: str = ""  # policy | operator
    return_label_cost: Decimal | None = None


class StockRequest(Message):
    """Hold stock for one paid order (idempotent by order id), in the warehouse TikTok assigned it."""

    shop_id: str
    order_id: str
    items: list[OrderItem]
    warehouse_id: str = ""  # "" (TikTok named none): only SKUs stocked in one warehouse can be held


class CatalogRequest(Message):
    shop_id: str
    policy: InventoryPolicy


class OrderChangeBatch(Message):
    """Hand polled changes to their order workflows, at most `window` at once: signal the running ones,
    start the ones never started, leave the finished ones alone."""

    shop_id: str
    source: Literal["reconcile", "backfill"]
    changes: list[OrderChange]
    window: int


class SyncCursorRef(Message):
    shop_id: str
    name: str


class SyncCursorUpdate(Message):
    shop_id: str
    name: str
    value: int


class AlertsSweep(Message):
    """Derive and queue every shop's alerts as of `now` (the workflow's clock, so a test can skip time)."""

    now: datetime


class AlertBatch(Message):
    """One shop's queued alerts not yet sent on at least one of its channels."""

    shop_id: str
    alert_ids: list[str]


class AlertBatches(Message):
    batches: list[AlertBatch] = Field(default_factory=list)


class AlertsSent(Message):
    """Alerts sent now, per channel (those sent by an earlier attempt are not counted again)."""

    sent: dict[str, int] = Field(default_factory=dict)


In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class ActivityDef(Generic[In, Out]):
    """One activity as both sides see it: workflows call it (`workflows.calls.call`), so mypy checks the
    argument and infers the result; its implementation registers under `name` and takes `input`, returns
    `output` (a unit test holds every implementation to that). `name` is in every workflow's history:
    never rename one."""

    name: str
    input: type[In]
    output: type[Out]
    task_queue: str


# TikTok Shop: its own rate-limited queue.
FETCH_ORDER = ActivityDef("tiktok.fetch_order", OrderRef, OrderSnapshot, TIKTOK_TASK_QUEUE)
SHIP_PACKAGE = ActivityDef("tiktok.ship_package", ShipPackageRequest, ShipPackageResult, TIKTOK_TASK_QUEUE)
UPDATE_TRACKING = ActivityDef("tiktok.update_tracking", UpdateTrackingRequest, type(None), TIKTOK_TASK_QUEUE)
ARRANGE_TIKTOK_SHIPMENT = ActivityDef(
    "tiktok.arrange_tiktok_shipment", OrderRef, TikTokLabel, TIKTOK_TASK_QUEUE
)
CANCEL_ORDER = ActivityDef("tiktok.cancel_order", CancelOrderRequest, type(None), TIKTOK_TASK_QUEUE)
FETCH_AFTERSALES = ActivityDef("tiktok.fetch_aftersales", OrderRef, AfterSales, TIKTOK_TASK_QUEUE)
DECIDE_AFTERSALE = ActivityDef("tiktok.decide_aftersale", AfterSaleVerdict, type(None), TIKTOK_TASK_QUEUE)
SYNC_CATALOG = ActivityDef("tiktok.sync_catalog", CatalogRequest, CatalogSummary, TIKTOK_TASK_QUEUE)
PUSH_STOCK = ActivityDef("tiktok.push_stock", CatalogRequest, CatalogSummary, TIKTOK_TASK_QUEUE)
SEARCH_CHANGES = ActivityDef("tiktok.search_changes", ChangeSearch, ChangePage, TIKTOK_TASK_QUEUE)
READ_SHIPMENT_FACTS = ActivityDef(
    "tiktok.read_shipment_facts", ShipmentFactsRequest, type(None), TIKTOK_TASK_QUEUE
)
BUY_TIKTOK_LABEL = ActivityDef("tiktok.buy_tiktok_label", BuyTikTokLabelRequest, Label, TIKTOK_TASK_QUEUE)
# One page of statements, their transactions and orders, read into the store.
SYNC_FINANCE_PAGE = ActivityDef(
    "tiktok.sync_finance_page", FinancePageRequest, FinancePageResult, TIKTOK_TASK_QUEUE
)
SPLIT_ORDER = ActivityDef("tiktok.split_order", SplitRequest, SplitResult, TIKTOK_TASK_QUEUE)

# Order workflows, reached through the event gateway.
DELIVER_ORDER_CHANGES = ActivityDef(
    "orders.deliver_changes", OrderChangeBatch, DeliveryReport, ORDERS_TASK_QUEUE
)

# Shipping providers.
CHOOSE_RATE = ActivityDef("shipping.choose_rate", RateQuery, RateChoice, ORDERS_TASK_QUEUE)
PLAN_PARCELS = ActivityDef("shipping.plan_parcels", ParcelPlanRequest, ParcelPlan, ORDERS_TASK_QUEUE)
BUY_LABEL = ActivityDef("shipping.buy_label", BuyLabelRequest, Label, ORDERS_TASK_QUEUE)
REFUND_LABEL = ActivityDef("shipping.refund_label", Label, LabelRefund, ORDERS_TASK_QUEUE)
TRACK_LABEL = ActivityDef("shipping.track_label", Label, Tracking, ORDERS_TASK_QUEUE)

# App database.
RECORD_ORDER = ActivityDef("store.record_order", OrderRecordUpdate, type(None), ORDERS_TASK_QUEUE)
RECORD_LABEL = ActivityDef("store.record_label", LabelRecord, type(None), ORDERS_TASK_QUEUE)
RECORD_LABEL_REFUND = ActivityDef(
    "store.record_label_refund", LabelRefundRecord, type(None), ORDERS_TASK_QUEUE
)
RECORD_RETURN = ActivityDef("store.record_return", ReturnRecordUpdate, type(None), ORDERS_TASK_QUEUE)
RESERVE_STOCK = ActivityDef("store.reserve_stock", StockRequest, Reservation, ORDERS_TASK_QUEUE)
# The cursor's value; 0: none yet.
LOAD_SYNC_CURSOR = ActivityDef("store.load_sync_cursor", SyncCursorRef, int, ORDERS_TASK_QUEUE)
# Where the cursor is now (never moved back).
ADVANCE_SYNC_CURSOR = ActivityDef("store.advance_sync_cursor", SyncCursorUpdate, int, ORDERS_TASK_QUEUE)

# Alerts and the daily digest (creatorflow.alerts). ALERT_CHANNEL: every failing channel refused the batch
# or is not configured, so retrying will not help (the next sweep tries again).
ALERT_CHANNEL = "AlertChannel"
SWEEP_ALERTS = ActivityDef("alerts.sweep", AlertsSweep, AlertBatches, ORDERS_TASK_QUEUE)
SEND_ALERTS = ActivityDef("alerts.send", AlertBatch, AlertsSent, ORDERS_TASK_QUEUE)

# Shop credentials (where ShopWorkflow runs).
REFRESH_TOKENS = ActivityDef("shops.refresh_tokens", ShopRef, TokenExpiries, ORDERS_TASK_QUEUE)
RECORD_SHOP = ActivityDef("shops.record_shop", ShopRecordUpdate, type(None), ORDERS_TASK_QUEUE)
# None, or a non-retryable SHOP_DEAUTHORIZED or SHOP_NEEDS_REAUTHORIZATION error; order workflows ask it
# before buying a label, and again now and then while parked for either.
REQUIRE_AUTHORIZED_SHOP = ActivityDef("shops.require_authorized", ShopRef, type(None), ORDERS_TASK_QUEUE)
# The shop's own hold after payment (none: a zero hold), read by each order when first seen paid.
READ_PAYMENT_HOLD = ActivityDef("shops.payment_hold", ShopRef, shops.PaymentHold, ORDERS_TASK_QUEUE)
