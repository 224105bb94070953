"""Activity names and the models that cross them, shared by workflows (which call activities by name)
and the activity classes (which register under these names). Nothing here imports an SDK.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from creatorflow import shops
from creatorflow.aftersales import AfterSaleRequest
from creatorflow.domain import Address, Label, Provider
from creatorflow.inventory import InventoryPolicy
from creatorflow.orders import OrderItem, RateChoice
from creatorflow.sync import OrderChange

# TikTok Shop (task queue TIKTOK_TASK_QUEUE)
FETCH_ORDER = "tiktok.fetch_order"
SHIP_PACKAGE = "tiktok.ship_package"
ARRANGE_TIKTOK_SHIPMENT = "tiktok.arrange_tiktok_shipment"
CANCEL_ORDER = "tiktok.cancel_order"
FETCH_AFTERSALES = "tiktok.fetch_aftersales"
DECIDE_AFTERSALE = "tiktok.decide_aftersale"
SYNC_CATALOG = "tiktok.sync_catalog"
PUSH_STOCK = "tiktok.push_stock"
SEARCH_CHANGES = "tiktok.search_changes"  # creatorflow.sync.ChangeSearch -> ChangePage

# Order workflows, reached through the event gateway (task queue ORDERS_TASK_QUEUE)
DELIVER_ORDER_CHANGES = "orders.deliver_changes"  # OrderChangeBatch -> creatorflow.sync.DeliveryReport

# Shipping providers (task queue ORDERS_TASK_QUEUE)
CHOOSE_RATE = "shipping.choose_rate"
BUY_LABEL = "shipping.buy_label"
REFUND_LABEL = "shipping.refund_label"
TRACK_LABEL = "shipping.track_label"

# App database (task queue ORDERS_TASK_QUEUE)
RECORD_ORDER = "store.record_order"
RECORD_LABEL = "store.record_label"
RECORD_LABEL_REFUND = "store.record_label_refund"
RECORD_RETURN = "store.record_return"
RESERVE_STOCK = "store.reserve_stock"
LOAD_SYNC_CURSOR = "store.load_sync_cursor"  # SyncCursorRef -> int (0: none yet)
ADVANCE_SYNC_CURSOR = "store.advance_sync_cursor"  # SyncCursorUpdate -> int (where it is now)

# Shop credentials (task queue ORDERS_TASK_QUEUE, where ShopWorkflow runs)
REFRESH_TOKENS = "shops.refresh_tokens"
RECORD_SHOP = "shops.record_shop"
# ShopRef -> None, or a non-retryable SHOP_DEAUTHORIZED or SHOP_NEEDS_REAUTHORIZATION error; order workflows
# ask it before buying a label, and again now and then while parked for either.
REQUIRE_AUTHORIZED_SHOP = "shops.require_authorized"

# Types of the non-retryable ApplicationErrors activities raise. Any of them moves the order to
# NEEDS_ATTENTION (with the type as AttentionReason) instead of failing the workflow.
ADDRESS_INVALID = "AddressInvalid"
NO_ELIGIBLE_RATE = "NoEligibleRate"
PURCHASE_REJECTED = "PurchaseRejected"
SHIPPING_CONTRACT = "ShippingContract"
TIKTOK_REFUSED = "TikTokRefused"
TIKTOK_CONTRACT = "TikTokContract"
SHOP_AUTHORIZATION = "ShopAuthorization"
SHOP_DEAUTHORIZED = shops.SHOP_DEAUTHORIZED  # the seller revoked the app: no label until they authorize again
# TikTok rejected the refresh token: no label until the seller authorizes again (the shop's own reason).
SHOP_NEEDS_REAUTHORIZATION = shops.REAUTHORIZATION_REQUIRED


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrderRef(_Message):
    shop_id: str
    order_id: str


class ShipPackageRequest(_Message):
    """Tell TikTok the order left with our carrier and tracking number."""

    shop_id: str
    order_id: str
    tracking_number: str
    carrier: str


class ShipPackageResult(_Message):
    package_id: str
    shipping_provider_id: str
    already_shipped: bool = False  # the first call worked but its answer was lost


class TikTokLabel(_Message):
    """A TikTok-issued label (TikTok shipping): the document URL is valid for 24 hours."""

    package_id: str
    doc_url: str
    tracking_number: str


class CancelOrderRequest(_Message):
    shop_id: str
    order_id: str
    reason: str


class RateQuery(_Message):
    """Everything needed to pick a rate for one order's package."""

    reference: str  # the order-side key stored on the provider's shipment
    to_address: Address
    # A return label: from `to_address` (the buyer) back to our warehouse.
    returning: bool = False
    items: list[OrderItem]
    ship_by: datetime | None = None
    deliver_by: datetime | None = None
    provider: Provider | None = None  # an operator's reship pins these
    service: str | None = None


class BuyLabelRequest(_Message):
    """Buy exactly `choice.rate` under `idempotency_key`; retried unchanged until it answers."""

    choice: RateChoice
    idempotency_key: str


class LabelRecord(_Message):
    shop_id: str
    order_id: str
    label: Label


class OrderRecordUpdate(_Message):
    shop_id: str
    order_id: str
    state: str
    tiktok_status: str = ""
    tiktok_update_time: int = 0
    carrier: str = ""
    tracking_number: str = ""
    ship_by: datetime | None = None


class ShopRef(_Message):
    shop_id: str


class ShopRecordUpdate(_Message):
    """What the store keeps of a shop's workflow: DEAUTHORIZED stops order intake for the shop."""

    shop_id: str
    status: str  # creatorflow.store.tables.ShopStatus
    authorization_expires_at: datetime | None = None


class LabelRefundRecord(_Message):
    idempotency_key: str
    status: str


class AfterSales(_Message):
    """The cancellation and return/refund requests TikTok holds for one order."""

    cancellations: list[AfterSaleRequest] = Field(default_factory=list)
    returns: list[AfterSaleRequest] = Field(default_factory=list)


class AfterSaleVerdict(_Message):
    """Approve or reject one request on TikTok; `idempotency_key` makes a retried call act once."""

    shop_id: str
    kind: Literal["cancellation", "return"]
    request_id: str
    approve: bool
    idempotency_key: str
    decision: str = ""  # returns only: TikTok's decision value, e.g. APPROVE_REFUND
    reject_reason: str = ""
    comment: str = ""


class ReturnRecordUpdate(_Message):
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


class StockRequest(_Message):
    """Hold stock for one paid order (idempotent by order id)."""

    shop_id: str
    order_id: str
    items: list[OrderItem]


class CatalogRequest(_Message):
    shop_id: str
    policy: InventoryPolicy


class OrderChangeBatch(_Message):
    """Hand polled changes to their order workflows, at most `window` at once: signal the running ones,
    start the ones never started, leave the finished ones alone."""

    shop_id: str
    source: Literal["reconcile", "backfill"]
    changes: list[OrderChange]
    window: int


class SyncCursorRef(_Message):
    shop_id: str
    name: str


class SyncCursorUpdate(_Message):
    shop_id: str
    name: str
    value: int
