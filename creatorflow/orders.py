"""The order lifecycle as plain data: our fulfillment states, what we keep of a TikTok order, and the
events that move it. `OrderWorkflow` drives these; nothing here knows about Temporal.

Our states are ours; TikTok's `status` is kept alongside (docs/design.md, "Workflows").
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from creatorflow.addresses import AddressUnusableError, address_from_tiktok
from creatorflow.aftersales import AfterSaleRequest, AfterSalesPolicy
from creatorflow.domain import Address, Label, Parcel, Provider, Rate, RateExplanation, TrackingStatus
from creatorflow.journal import Journal
from creatorflow.tiktok.models import Order, OrderStatus, RecipientAddress


class FulfillmentState(StrEnum):
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    ON_HOLD = "ON_HOLD"  # paid, inside TikTok's remorse window: never buy a label here
    READY = "READY"
    LABEL_PURCHASED = "LABEL_PURCHASED"
    SHIPPED = "SHIPPED"  # TikTok has our tracking number
    IN_TRANSIT = "IN_TRANSIT"  # first carrier scan: TikTok counts the order dispatched from here
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    RETURN_APPROVED = "RETURN_APPROVED"
    RETURN_RECEIVED = "RETURN_RECEIVED"
    REFUNDED = "REFUNDED"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    HELD = "HELD"  # an operator paused it


RETURN_STATES = frozenset(
    {FulfillmentState.RETURN_REQUESTED, FulfillmentState.RETURN_APPROVED, FulfillmentState.RETURN_RECEIVED}
)

TERMINAL_STATES = frozenset(
    {FulfillmentState.COMPLETED, FulfillmentState.CANCELLED, FulfillmentState.REFUNDED}
)

# The forward path. TikTok's status can only move an order forward along it, never back.
PROGRESS = [
    FulfillmentState.AWAITING_PAYMENT,
    FulfillmentState.ON_HOLD,
    FulfillmentState.READY,
    FulfillmentState.LABEL_PURCHASED,
    FulfillmentState.SHIPPED,
    FulfillmentState.IN_TRANSIT,
    FulfillmentState.DELIVERED,
    FulfillmentState.COMPLETED,
]

_FROM_TIKTOK = {
    OrderStatus.UNPAID: FulfillmentState.AWAITING_PAYMENT,
    OrderStatus.ON_HOLD: FulfillmentState.ON_HOLD,
    OrderStatus.AWAITING_SHIPMENT: FulfillmentState.READY,
    OrderStatus.PARTIALLY_SHIPPING: FulfillmentState.SHIPPED,
    OrderStatus.AWAITING_COLLECTION: FulfillmentState.SHIPPED,
    OrderStatus.IN_TRANSIT: FulfillmentState.IN_TRANSIT,
    OrderStatus.DELIVERED: FulfillmentState.DELIVERED,
    OrderStatus.COMPLETED: FulfillmentState.COMPLETED,
    OrderStatus.CANCELLED: FulfillmentState.CANCELLED,
}

_FROM_TRACKING = {
    TrackingStatus.IN_TRANSIT: FulfillmentState.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY: FulfillmentState.IN_TRANSIT,
    TrackingStatus.DELIVERED: FulfillmentState.DELIVERED,
}


def state_for_tiktok_status(status: str) -> FulfillmentState | None:
    """Our state for a TikTok order status; None for a status we do not know (kept, not acted on)."""
    try:
        return _FROM_TIKTOK[OrderStatus(status)]
    except ValueError:
        return None


def state_for_tracking(status: TrackingStatus) -> FulfillmentState | None:
    return _FROM_TRACKING.get(status)


def closed_on_tiktok(order: Order, now: int, return_window: timedelta) -> bool:
    """Whether TikTok shows the order finished for us: completed, cancelled, or delivered longer ago than
    the return window. Such an order needs no workflow; a backfill only records it."""
    if order.status in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        return True
    return (
        order.status == OrderStatus.DELIVERED
        and order.delivery_time is not None
        and order.delivery_time + return_window.total_seconds() <= now
    )


def reached(stage: FulfillmentState, milestone: FulfillmentState) -> bool:
    """Whether `stage` is at or past `milestone` on the forward path."""
    return stage in PROGRESS and PROGRESS.index(stage) >= PROGRESS.index(milestone)


def progress_of(recorded: str) -> FulfillmentState | None:
    """A state as the store recorded it, or None for one this code does not know."""
    return FulfillmentState(recorded) if recorded in FulfillmentState.__members__ else None


def advance(current: FulfillmentState, seen: FulfillmentState) -> FulfillmentState:
    """`seen` if it lies further along the forward path than `current`, else `current`."""
    if current in PROGRESS and seen in PROGRESS and PROGRESS.index(seen) > PROGRESS.index(current):
        return seen
    return current


class FulfillmentMode(StrEnum):
    SELLER_SHIPPED = "SELLER_SHIPPED"  # we buy the label (Shippo/EasyPost)
    TIKTOK_SHIPPED = "TIKTOK_SHIPPED"  # TikTok issues the label; we fetch its shipping document
    FBT = "FBT"  # fulfilled by TikTok; we only follow it


class OrderItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku_id: str
    product_id: str = ""
    seller_sku: str = ""
    name: str = ""
    quantity: int = Field(ge=1)
    unit_price: Decimal | None = None


class LineItemRef(BaseModel):
    """One of TikTok's line items (one unit of a SKU) and the package TikTok has it in."""

    model_config = ConfigDict(frozen=True)

    id: str
    sku_id: str
    package_id: str = ""


class OrderSnapshot(BaseModel):
    """What an order workflow keeps of TikTok's order: enough to fulfil it, and nothing more."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    order_id: str
    tiktok_status: str
    update_time: int
    mode: FulfillmentMode
    package_ids: list[str] = Field(default_factory=list)
    split_or_combine_tag: str = ""  # TikTok's: SPLIT, COMBINED, or "" for a package as TikTok made it
    items: list[OrderItem] = Field(default_factory=list)
    line_items: list[LineItemRef] = Field(default_factory=list)  # one per unit: what a split groups
    recipient: Address | None = None  # hidden by TikTok while ON_HOLD
    recipient_problem: str | None = None  # why the address TikTok gave cannot be used as is
    ship_by: datetime | None = None  # rts_sla_time: ship (hand over) by then
    deliver_by: datetime | None = None  # tts_sla_time
    warehouse_id: str = ""
    delivery_option_id: str = ""
    tracking_number: str = ""
    shipping_provider: str = ""
    currency: str = ""
    total: Decimal | None = None
    buyer_requested_cancel: bool = False  # a cancellation request waits for the seller
    paid_at: datetime | None = None  # TikTok's paid_time: where the shop's hold after payment starts


def snapshot_of(shop_id: str, order: Order) -> OrderSnapshot:
    """Reduce a TikTok order to what fulfilment needs; line items of one SKU become one item."""
    quantities = Counter(item.sku_id for item in order.line_items)
    firsts = {item.sku_id: item for item in reversed(order.line_items)}
    recipient, problem = _recipient(order.recipient_address)
    return OrderSnapshot(
        shop_id=shop_id,
        order_id=order.id,
        tiktok_status=order.status,
        update_time=order.update_time,
        mode=_mode(order),
        package_ids=[package.id for package in order.packages],
        split_or_combine_tag=order.split_or_combine_tag,
        items=[
            OrderItem(
                sku_id=sku_id,
                product_id=firsts[sku_id].product_id,
                seller_sku=firsts[sku_id].seller_sku,
                name=firsts[sku_id].product_name,
                quantity=count,
                unit_price=firsts[sku_id].sale_price,
            )
            for sku_id, count in quantities.items()
        ],
        line_items=[
            LineItemRef(id=item.id, sku_id=item.sku_id, package_id=item.package_id)
            for item in order.line_items
        ],
        recipient=recipient,
        recipient_problem=problem,
        ship_by=_utc(order.rts_sla_time),
        deliver_by=_utc(order.tts_sla_time),
        warehouse_id=order.warehouse_id,
        delivery_option_id=order.delivery_option_id,
        tracking_number=order.tracking_number,
        shipping_provider=order.shipping_provider,
        currency=order.payment.currency if order.payment else "",
        total=order.payment.total_amount if order.payment else None,
        buyer_requested_cancel=order.is_buyer_request_cancel,
        paid_at=_utc(order.paid_time),
    )


def _mode(order: Order) -> FulfillmentMode:
    if order.fulfillment_type == "FULFILLMENT_BY_TIKTOK":
        return FulfillmentMode.FBT
    if order.shipping_type == "TIKTOK":
        return FulfillmentMode.TIKTOK_SHIPPED
    return FulfillmentMode.SELLER_SHIPPED


def _utc(epoch_seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_seconds, UTC) if epoch_seconds else None


def _recipient(address: RecipientAddress | None) -> tuple[Address | None, str | None]:
    if address is None or not (address.address_line1 or address.full_address):
        return None, None
    districts = {d.address_level_name.lower(): d.address_name for d in address.district_info}
    try:
        return (
            address_from_tiktok(
                "recipient",
                name=address.name,
                line1=address.address_line1,
                line2=address.address_line2,
                full_address=address.full_address,
                city=districts.get("city", ""),
                state=districts.get("state", ""),
                postal_code=address.postal_code,
                region_code=address.region_code,
                phone=address.phone_number,
            ),
            None,
        )
    except AddressUnusableError as exc:
        return None, str(exc)


class TikTokOrderEvent(BaseModel):
    """Something TikTok told us about an order, by webhook, reconciliation or backfill."""

    model_config = ConfigDict(frozen=True)

    event_id: str  # the webhook's dedup key, or a synthetic id for polled changes
    source: Literal["webhook", "reconcile", "backfill", "operator"] = "webhook"
    kind: Literal["status", "address", "cancellation", "return", "package"] = "status"
    tiktok_status: str | None = None
    update_time: int = 0


class CarrierTrackingEvent(BaseModel):
    """A carrier's tracking webhook, verified by the API, routed to the order that owns the number."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    provider: Provider
    tracking_number: str
    status: TrackingStatus
    detail: str = ""
    occurred_at: datetime | None = None


class OrderPolicy(BaseModel):
    """Timing knobs of an order's life; production defaults, shortened by `creatorflow dev` and tests."""

    model_config = ConfigDict(frozen=True)

    # Re-check TikTok this often while UNPAID/ON_HOLD, in case a webhook was lost.
    hold_poll: timedelta = timedelta(minutes=15)
    # Poll the carrier this often while the package travels, in case its webhooks are lost.
    tracking_poll: timedelta = timedelta(hours=6)
    # After delivery, wait this long for TikTok to complete the order (returns are still possible).
    return_window: timedelta = timedelta(days=30)
    # How long one activity attempt may take before Temporal retries it elsewhere (e.g. its worker died);
    # longer than any one provider call (Settings checks it).
    activity_timeout: timedelta = timedelta(seconds=60)
    # What the order decides alone about buyers' cancellations, refunds and returns.
    aftersales: AfterSalesPolicy = Field(default_factory=AfterSalesPolicy)
    # Flag an order still not in the carrier's hands this long before TikTok's ship-by (rts_sla_time):
    # TikTok counts it dispatched only at the first carrier scan (docs/reference/peers.md §4).
    late_shipment_margin: timedelta = timedelta(hours=24)
    # While parked because the seller's authorization is void, ask this often whether it is back.
    shop_recheck: timedelta = timedelta(minutes=10)


class RateChoice(BaseModel):
    """The rate to buy and why. Persisted in the order's state before the purchase starts."""

    model_config = ConfigDict(frozen=True)

    rate: Rate
    explanation: RateExplanation


class OrderPackage(BaseModel):
    """One parcel of an order shipped as several: TikTok's package for it, the items it holds (TikTok's
    line item ids), the planned box it is quoted and bought for, its label and how far it got."""

    index: int  # its place in the parcel plan: part of the purchase key, never reused for another box
    group_id: str  # the split group id we gave TikTok for it
    package_id: str = ""  # TikTok's, once split
    line_item_ids: list[str]
    items: list[OrderItem]
    box: str
    parcel: Parcel
    rate: RateChoice | None = None
    label: Label | None = None
    shipped: bool = False  # TikTok has its tracking number
    tracking_status: TrackingStatus | None = None

    @property
    def tracking_number(self) -> str:
        return self.label.tracking_number if self.label else ""


class Attention(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: str  # an ApplicationError type from activities.contracts, e.g. AddressInvalid
    message: str
    since: datetime


class OperatorVerdict(BaseModel):
    """An operator's answer to the after-sales request the order is parked on."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    approve: bool
    reason: str = ""  # TikTok's reject_reason code when rejecting
    comment: str = ""


class OrderState(Journal):
    """The whole state of one order's workflow: what the `state` query returns, and what is carried
    across continue-as-new."""

    shop_id: str
    order_id: str
    stage: FulfillmentState = FulfillmentState.AWAITING_PAYMENT  # progress, ignoring holds/attention
    held: bool = False
    attention: Attention | None = None
    order: OrderSnapshot | None = None
    address_override: Address | None = None
    pinned_provider: Provider | None = None
    pinned_service: str | None = None
    rate: RateChoice | None = None
    label: Label | None = None
    label_generation: int = 0
    refund_queue: list[Label] = Field(default_factory=list)  # replaced labels still to refund
    refunded_label_ids: list[str] = Field(default_factory=list)
    # An order shipped as several parcels (split on TikTok): each package with its own label and tracking.
    packages: list[OrderPackage] = Field(default_factory=list)
    tiktok_label_url: str = ""
    shipped_on_tiktok: bool = False
    tiktok_package_id: str = ""
    # TikTok holds the tracking number of a label refunded since (the buyer moved): tell it the new one.
    tiktok_tracking_stale: bool = False
    carrier: str = ""
    tracking_number: str = ""
    tracking_status: TrackingStatus | None = None
    cancel_reason: str | None = None
    stock_reserved: bool = False  # the order's units are held in the store's catalog
    # The shop's hold after payment ends then (read once, when the order is first seen paid): nothing is
    # reserved or bought before.
    payment_hold_until: datetime | None = None
    late_risk_since: datetime | None = None  # when it was flagged as about to miss TikTok's ship-by
    # After-sales: the requests TikTok holds for this order, and what we did about them.
    cancellation: AfterSaleRequest | None = None
    return_request: AfterSaleRequest | None = None
    stage_before_return: FulfillmentState | None = None  # where a closed return puts the order back
    return_rate: RateChoice | None = None  # chosen before the return label is bought
    return_label: Label | None = None
    return_tracking_status: TrackingStatus | None = None
    decisions_sent: list[str] = Field(default_factory=list)  # TikTok idempotency keys already answered
    decided_by: dict[str, str] = Field(default_factory=dict)  # request id -> policy | operator
    finished_requests: list[str] = Field(default_factory=list)  # settled request ids
    operator_verdict: OperatorVerdict | None = None  # an operator's approve / reject, not yet sent
    events_seen: int = 0
    duplicates_ignored: int = 0
    stale_ignored: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> FulfillmentState:
        """What operators see: a hold or a problem hides the stage underneath, until the order is over."""
        if self.stage in TERMINAL_STATES:
            return self.stage
        if self.held:
            return FulfillmentState.HELD
        if self.attention is not None:
            return FulfillmentState.NEEDS_ATTENTION
        return self.stage

    def remember(self, event_id: str) -> bool:
        """True the first time an event id is seen; counts what came and what was a duplicate."""
        self.events_seen += 1
        if super().remember(event_id):
            return True
        self.duplicates_ignored += 1
        return False


class OrderInput(BaseModel):
    """How an order workflow starts: by ids alone (events arrive as signals), or with carried state."""

    shop_id: str
    order_id: str
    policy: OrderPolicy = Field(default_factory=OrderPolicy)
    carried: OrderState | None = None
