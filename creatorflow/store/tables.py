"""The app database: what workflows decided, projected for queries; tokens; raw webhooks.

Workflows are the source of truth for an order's life; these rows are a projection for reports, the CLI
and the API, plus the few things that must outlive any workflow (encrypted tokens, the webhook inbox).

The whole schema is here, in one module, rather than beside each repository: `create_all` must see every
table, and the table names are a contract with existing databases. A row whose plain name is taken by a
domain or TikTok model says `Row` (`LabelRow`, `WebhookRow`) and keeps its old `__tablename__`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, LargeBinary, Numeric, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back timezone-aware UTC datetimes (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(nullable: bool = False, **kwargs: Any) -> Any:
    """A UTC timestamp column."""
    return Field(sa_type=UTCDateTime, sa_column_kwargs={"nullable": nullable}, **kwargs)


class ShopStatus(StrEnum):
    """What the shop's workflow last recorded (`creatorflow.shops.ShopLifecycle`, refresh failures aside)."""

    ACTIVE = "ACTIVE"
    NEEDS_REAUTHORIZATION = "NEEDS_REAUTHORIZATION"  # TikTok rejected the refresh token; orders still come in
    DEAUTHORIZED = "DEAUTHORIZED"


class Shop(SQLModel, table=True):
    shop_id: str = Field(primary_key=True)
    name: str = ""
    region: str = ""
    seller_type: str = ""
    cipher: str
    code: str = ""
    seller_name: str = ""
    open_id: str = Field(default="", index=True)
    status: ShopStatus = ShopStatus.ACTIVE
    authorization_expires_at: datetime | None = when(nullable=True, default=None)
    created_at: datetime = when(default_factory=utcnow)
    updated_at: datetime = when(default_factory=utcnow)


class ShopPaymentHoldRow(SQLModel, table=True):
    """A shop's own hold after payment, set by the seller; no row: no hold. A table of its own, so
    `create_all` adds it to an existing database and it may be set before the shop connects."""

    __tablename__ = "shop_payment_hold"

    shop_id: str = Field(primary_key=True)
    seconds: int
    updated_at: datetime = when(default_factory=utcnow)


class ShopToken(SQLModel, table=True):
    """A shop's OAuth tokens, AES-GCM encrypted with the shop id as associated data."""

    shop_id: str = Field(primary_key=True, foreign_key="shop.shop_id")
    access_token: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    access_expires_at: datetime = when()
    refresh_token: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    refresh_expires_at: datetime = when()
    updated_at: datetime = when(default_factory=utcnow)


class OAuthState(SQLModel, table=True):
    """One `state` of the OAuth connect flow: single-use and short-lived. Only its SHA-256 is kept, so
    the table leaks nothing that could complete someone's authorization."""

    state_hash: str = Field(primary_key=True)
    created_at: datetime = when(default_factory=utcnow)
    expires_at: datetime = when()
    used_at: datetime | None = when(nullable=True, default=None)


class OrderRecord(SQLModel, table=True):
    shop_id: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    state: str = Field(index=True)
    tiktok_status: str = ""
    tiktok_update_time: int = 0
    carrier: str = ""
    tracking_number: str = ""
    ship_by: datetime | None = when(nullable=True, default=None)
    # SELLER_SHIPPED, TIKTOK_SHIPPED or FBT (FulfillmentMode); None in rows recorded before it was kept.
    fulfillment_mode: str | None = None
    updated_at: datetime = when(default_factory=utcnow)
    # Added after release, so nullable (create_schema): what alerts and the quality metrics read.
    stage: str | None = None  # progress under a hold or a problem
    attention_reason: str | None = None
    attention_since: datetime | None = when(nullable=True, default=None)
    cancel_reason: str | None = None
    # When the projection first saw the order reach each milestone (the store stamps them, once).
    paid_at: datetime | None = when(nullable=True, default=None)
    labelled_at: datetime | None = when(nullable=True, default=None)
    shipped_at: datetime | None = when(nullable=True, default=None)
    first_scan_at: datetime | None = when(nullable=True, default=None)
    delivered_at: datetime | None = when(nullable=True, default=None)
    cancelled_at: datetime | None = when(nullable=True, default=None)


class ReconcileCheckRow(SQLModel, table=True):
    """An order change a reconcile pass found on TikTok, and whether our projection already knew it
    (`matched`): the quality metrics' data accuracy. Keyed by the change, so a pass re-run is one check."""

    __tablename__ = "reconcile_check"

    shop_id: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    update_time: int = Field(primary_key=True)
    matched: bool
    checked_at: datetime = when(default_factory=utcnow)


class LabelStatus(StrEnum):
    PURCHASED = "PURCHASED"
    REFUND_REQUESTED = "REFUND_REQUESTED"
    REFUNDED = "REFUNDED"


class LabelRow(SQLModel, table=True):
    """One bought label (`creatorflow.domain.Label` as recorded). `idempotency_key` is unique: the database
    refuses a second label for one key."""

    __tablename__ = "label"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str
    shop_id: str = Field(index=True)
    order_id: str = Field(index=True)
    provider: str
    provider_label_id: str
    shipment_id: str = ""
    rate_id: str = ""
    carrier: str = ""
    service: str = ""
    cost: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(12, 2), nullable=False))
    currency: str = "USD"
    tracking_number: str = Field(default="", index=True)
    label_url: str = ""
    choice_reason: str = ""
    # What the seller's default service cost on the same quote, before any rule (None: not quoted, or no
    # default service set), and the rule that decided; added after release, so nullable (create_schema).
    baseline_cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2), nullable=True))
    baseline_service: str | None = None
    decided_by: str | None = None
    status: LabelStatus = LabelStatus.PURCHASED
    created_at: datetime = when(default_factory=utcnow)


class ReturnRecord(SQLModel, table=True):
    """Return analytics: one row per TikTok return/refund request, kept up to date by its order workflow."""

    return_id: str = Field(primary_key=True)
    shop_id: str = Field(index=True)
    order_id: str = Field(index=True)
    return_type: str  # REFUND | RETURN_AND_REFUND | REPLACEMENT
    status: str
    reason: str = ""
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2), nullable=True))
    currency: str = ""
    requested_at: int = 0  # TikTok's create_time (Unix s)
    refunded_at: int | None = None  # TikTok's update_time when the refund completed
    decided_by: str = ""  # policy | operator
    return_label_cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2), nullable=True))
    updated_at: datetime = when(default_factory=utcnow)

    @property
    def days_to_refund(self) -> float | None:
        if self.refunded_at is None or not self.requested_at:
            return None
        return (self.refunded_at - self.requested_at) / 86400


class CatalogSku(SQLModel, table=True):
    """One SKU of a shop's catalog as TikTok lists it; its stock is per warehouse (`WarehouseStockRow`).

    Databases made before stock was per warehouse kept `warehouse_id`, `on_hand`, `reserved` and
    `tiktok_quantity` here; `create_schema` moves them to `warehouse_stock` (db.py)."""

    shop_id: str = Field(primary_key=True)
    sku_id: str = Field(primary_key=True)
    product_id: str = Field(index=True)
    title: str = ""
    product_status: str = ""
    seller_sku: str = ""
    updated_at: datetime = when(default_factory=utcnow)


class WarehouseStockRow(SQLModel, table=True):
    """One SKU's stock in one warehouse: `on_hand` is that shelf, `reserved` what unshipped paid orders
    from that warehouse hold (kept in step with their `StockReservation` rows by conditional updates).
    `assigned`: TikTok lists the SKU in this warehouse (Update Inventory must name exactly those, §5.5); a
    warehouse TikTok no longer lists keeps its row, so a count or a reservation there is never lost."""

    __tablename__ = "warehouse_stock"

    shop_id: str = Field(primary_key=True)
    sku_id: str = Field(primary_key=True)
    warehouse_id: str = Field(primary_key=True)
    on_hand: int = 0
    reserved: int = 0
    tiktok_quantity: int | None = None  # what TikTok was last told, or showed at the last sync
    assigned: bool = True
    updated_at: datetime = when(default_factory=utcnow)


class StockDeactivation(SQLModel, table=True):
    """A product we took off sale on TikTok because no SKU had stock to offer: ours to put back on sale.

    A table of its own rather than a column, so `create_all` adds it to an existing database. Written
    before the Deactivate call (a crash in between leaves no product of ours looking like the seller's);
    dropped once TikTok shows the product in any status but SELLER_DEACTIVATED.
    """

    shop_id: str = Field(primary_key=True)
    product_id: str = Field(primary_key=True)
    created_at: datetime = when(default_factory=utcnow)


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"  # paid, not shipped: held back from TikTok
    SHIPPED = "SHIPPED"  # left the shelf: taken off on_hand
    RELEASED = "RELEASED"  # cancelled: back to available


class StockReservation(SQLModel, table=True):
    """Stock one order holds; the order id is the key, so a retried or repeated reservation is one."""

    shop_id: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    sku_id: str = Field(primary_key=True)
    # Where the units are held: the order's warehouse. Nullable only because it was added to a released
    # table; `create_schema` fills it in rows made before.
    warehouse_id: str | None = None
    quantity: int
    status: ReservationStatus = ReservationStatus.RESERVED
    updated_at: datetime = when(default_factory=utcnow)


class WebhookStatus(StrEnum):
    RECEIVED = "RECEIVED"  # verified and recorded, not yet handed to Temporal
    FORWARDED = "FORWARDED"  # signalled to its workflow
    IGNORED = "IGNORED"  # verified but nothing to do (e.g. a topic we do not handle)
    MALFORMED = "MALFORMED"  # signature fine, body unusable; kept for inspection


class WebhookRow(SQLModel, table=True):
    """The webhook inbox: every accepted event is here before we answer 200, so none is ever lost."""

    __tablename__ = "webhookevent"
    __table_args__ = (UniqueConstraint("source", "dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str  # tiktok | easypost | shippo
    dedup_key: str
    event_type: str = ""
    shop_id: str = ""
    order_id: str = ""
    tracking_number: str = ""
    workflow_id: str = ""  # where it goes; empty until known (a tracking number not yet on a label)
    signal: str = ""  # the signal it becomes, with `payload` (JSON) as its argument
    payload: str = ""
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: WebhookStatus = Field(default=WebhookStatus.RECEIVED, index=True)
    error: str = ""
    received_at: datetime = when(default_factory=utcnow)
    forwarded_at: datetime | None = when(nullable=True, default=None)
    # Forwarding (creatorflow.api.forwarder): events of one lane (the workflow they go to, or the tracking
    # number that will name it) reach it in the order received; a lease keeps the API replicas from
    # forwarding one event at once, and after a failed try it holds the event back until `lease_until`.
    lane: str | None = Field(default=None, nullable=True)
    lease_owner: str | None = Field(default=None, nullable=True)
    lease_until: datetime | None = when(nullable=True, default=None)


class SyncCursor(SQLModel, table=True):
    """How far a shop's reconciliation has read TikTok (an `update_time`, Unix seconds, TikTok's clock).

    Advanced only after every order a pass saw was handed to its workflow, and never moved back.
    """

    shop_id: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    value: int
    updated_at: datetime = when(default_factory=utcnow)


# Per-shop shipping settings the seller edits (creatorflow.store.rules): each row keeps its model as JSON.


class ShippingRuleRow(SQLModel, table=True):
    __tablename__ = "shipping_rule"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: str = Field(index=True)
    name: str
    position: int
    body: str = Field(sa_type=Text, description="the ShippingRule as JSON")
    created_at: datetime = when(default_factory=utcnow)
    updated_at: datetime = when(default_factory=utcnow)


class ShippingSettingsRow(SQLModel, table=True):
    __tablename__ = "shipping_settings"

    shop_id: str = Field(primary_key=True)
    default_service: str | None = None
    updated_at: datetime = when(default_factory=utcnow)


class BoxPresetRow(SQLModel, table=True):
    __tablename__ = "box_preset"

    shop_id: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    body: str = Field(sa_type=Text, description="the BoxPreset as JSON")
    created_at: datetime = when(default_factory=utcnow)
    updated_at: datetime = when(default_factory=utcnow)


class SkuPackageOverrideRow(SQLModel, table=True):
    __tablename__ = "sku_package_override"

    shop_id: str = Field(primary_key=True)
    sku: str = Field(primary_key=True, description="the SKU id orders carry")
    body: str = Field(sa_type=Text, description="the PackageSpec as JSON")
    created_at: datetime = when(default_factory=utcnow)
    updated_at: datetime = when(default_factory=utcnow)


class ProductPackageRow(SQLModel, table=True):
    """A product's packed unit as TikTok's Get Product gave it at `update_time` (every SKU of the product
    ships as it); `body` is None when TikTok has no package data for the product. Read again only when
    the product's `update_time` moves, so a catalog sync costs one detail call per changed product."""

    __tablename__ = "product_package"

    shop_id: str = Field(primary_key=True)
    product_id: str = Field(primary_key=True)
    update_time: int
    body: str | None = Field(default=None, sa_type=Text, description="creatorflow.shipping.PackageData JSON")
    updated_at: datetime = when(default_factory=utcnow)


class ShopWarehouseRow(SQLModel, table=True):
    """One warehouse of a shop as TikTok's Get Warehouse List gave it at `synced_at`: where a label ships
    from (the order's `warehouse_id`) and where returns go. `address` is the
    `creatorflow.domain.Address` as JSON, or None with `address_problem` saying why TikTok's could not be
    used (kept, so the order shipping from it parks with that reason instead of a vague "unknown")."""

    __tablename__ = "shop_warehouse"

    shop_id: str = Field(primary_key=True)
    warehouse_id: str = Field(primary_key=True)
    name: str = ""
    type: str  # creatorflow.tiktok.models.WarehouseType
    effect_status: str = ""
    is_default: bool = False
    address: str | None = Field(default=None, sa_type=Text, description="creatorflow.domain.Address JSON")
    address_problem: str | None = None
    synced_at: datetime = when(default_factory=utcnow)


class DeliveryOptionRow(SQLModel, table=True):
    """The carriers TikTok takes for one delivery option (Get Shipping Providers), as names: a label from
    any other carrier could not be shipped on TikTok, so it is never bought."""

    __tablename__ = "delivery_option"

    shop_id: str = Field(primary_key=True)
    delivery_option_id: str = Field(primary_key=True)
    carriers: str = Field(sa_type=Text, description="JSON list of TikTok's shipping provider names")
    synced_at: datetime = when(default_factory=utcnow)


class LabelDocumentRow(SQLModel, table=True):
    """A label's file as we downloaded it, kept because the provider's link does not last (TikTok's
    `doc_url` expires after 24 hours). `label_id` is the provider's label id (for TikTok, the package id)."""

    __tablename__ = "label_document"

    label_id: str = Field(primary_key=True)
    shop_id: str = Field(index=True)
    order_id: str = Field(index=True)
    content_type: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = when(default_factory=utcnow)


class TikTokQuoteRow(SQLModel, table=True):
    """TikTok Shipping's quotes for an order's parcel, as read just before the order's rate is chosen (on
    TikTok's queue), for the choice (on the orders queue) to weigh beside Shippo's and EasyPost's."""

    __tablename__ = "tiktok_shipping_quote"

    shop_id: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    rates: str = Field(sa_type=Text, description="JSON list of creatorflow.domain.Rate")
    quoted_at: datetime = when(default_factory=utcnow)


# Alerts (creatorflow.alerts): the seller's settings, the outbox keyed by alert id, and what was sent where.


class AlertSettingsRow(SQLModel, table=True):
    __tablename__ = "alert_settings"

    shop_id: str = Field(primary_key=True)
    body: str = Field(sa_type=Text, description="creatorflow.alerts.models.AlertSettings JSON")
    updated_at: datetime = when(default_factory=utcnow)


class AlertRow(SQLModel, table=True):
    """One alert, written once under its id (derived from its cause, so the same cause is one alert)."""

    __tablename__ = "alert"

    alert_id: str = Field(primary_key=True)
    shop_id: str = Field(index=True)
    kind: str
    body: str = Field(sa_type=Text, description="creatorflow.alerts.models.Alert JSON")
    created_at: datetime = when(default_factory=utcnow)


class AlertDeliveryRow(SQLModel, table=True):
    """An alert sent on one channel: the send activity skips what is here."""

    __tablename__ = "alert_delivery"

    alert_id: str = Field(primary_key=True)
    channel: str = Field(primary_key=True)
    sent_at: datetime = when(default_factory=utcnow)


# TikTok's finance (docs/reference/tiktok-shop-api.md §5.7), as the finance sync last read it. Amounts are
# TikTok's, signed as TikTok signs them: fees and shipping charged are negative.


class FinanceStatementRow(SQLModel, table=True):
    """One daily statement; its payment status moves (PROCESSING, then PAID or FAILED): kept up to date."""

    __tablename__ = "finance_statement"

    statement_id: str = Field(primary_key=True)
    shop_id: str = Field(index=True)
    statement_time: int = Field(index=True)  # Unix s, 00:00 UTC of the day it was generated
    currency: str = ""
    revenue_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    fee_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    adjustment_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    settlement_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    payment_status: str = ""
    payment_id: str = ""
    synced_at: datetime = when(default_factory=utcnow)


class FinanceTransactionRow(SQLModel, table=True):
    """One transaction of a statement: ORDER (an order settled or refunded), RESERVE or an adjustment."""

    __tablename__ = "finance_transaction"

    transaction_id: str = Field(primary_key=True)
    shop_id: str = Field(index=True)
    statement_id: str = Field(index=True)
    statement_time: int
    type: str
    order_id: str = Field(default="", index=True)
    currency: str = ""
    revenue_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    settlement_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    synced_at: datetime = when(default_factory=utcnow)


class FinanceOrderRow(SQLModel, table=True):
    """An order's settlement so far (TikTok's Transactions by Order), with the order's total as TikTok's
    order detail gave it, read when one of its transactions was: what the order implies."""

    __tablename__ = "finance_order"

    shop_id: str = Field(primary_key=True)
    order_id: str = Field(primary_key=True)
    currency: str = ""
    first_statement_time: int  # the statement that first settled it
    order_total: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    revenue_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    fee_and_tax_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    shipping_cost_amount: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    settlement_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    synced_at: datetime = when(default_factory=utcnow)
