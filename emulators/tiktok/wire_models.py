"""What the emulated TikTok Shop holds, in TikTok's own field names (docs/reference/tiktok-shop-api.md
§3.3, §5).

Objects the API returns (Order, Product, Warehouse, ReturnRequest, ...) are stored in exactly the shape the
API returns them, so reading this file is reading TikTok's objects. Fields marked `exclude=True` are the
emulator's bookkeeping and never leave it. Amounts are decimal strings, times are Unix seconds and ids are
numeric strings, as TikTok sends them.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


def money(amount: Decimal) -> str:
    """TikTok's amounts are decimal strings with two places."""
    return f"{amount:.2f}"


class OrderStatus(StrEnum):
    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# Reference §5.2: a seller may cancel up to AWAITING_COLLECTION; TikTok itself may also cancel IN_TRANSIT.
SELLER_CANCELLABLE = frozenset(
    {
        OrderStatus.UNPAID,
        OrderStatus.ON_HOLD,
        OrderStatus.AWAITING_SHIPMENT,
        OrderStatus.PARTIALLY_SHIPPING,
        OrderStatus.AWAITING_COLLECTION,
    }
)
SHIPPABLE = frozenset({OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING})


class ShippingType(StrEnum):
    TIKTOK = (
        "TIKTOK"  # TikTok Shipping: TikTok issues the label (a shipping document) and the tracking number
    )
    SELLER = "SELLER"  # Seller Shipping: the seller buys a label elsewhere and uploads the tracking number


HandoverMethod = Literal["PICKUP", "DROP_OFF"]


class PackageStatus(StrEnum):
    """A package's life (emulator mapping): PROCESSING until the carrier's first scan, then FULFILLING."""

    PROCESSING = "PROCESSING"
    FULFILLING = "FULFILLING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class Role(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"
    SYSTEM = "SYSTEM"


class ProductStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    FAILED = "FAILED"
    ACTIVATE = "ACTIVATE"
    SELLER_DEACTIVATED = "SELLER_DEACTIVATED"
    PLATFORM_DEACTIVATED = "PLATFORM_DEACTIVATED"
    FREEZE = "FREEZE"
    DELETED = "DELETED"


class ReturnType(StrEnum):
    REFUND = "REFUND"
    RETURN_AND_REFUND = "RETURN_AND_REFUND"
    REPLACEMENT = "REPLACEMENT"


class ReturnStatus(StrEnum):
    PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
    REJECTED = "REFUND_OR_RETURN_REQUEST_REJECT"
    AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
    BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
    REJECT_RECEIVE_PACKAGE = "REJECT_RECEIVE_PACKAGE"
    SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
    CANCELLED = "RETURN_OR_REFUND_REQUEST_CANCEL"
    COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


class CancelStatus(StrEnum):
    PENDING = "CANCELLATION_REQUEST_PENDING"
    SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
    CANCELLED = "CANCELLATION_REQUEST_CANCEL"
    COMPLETE = "CANCELLATION_REQUEST_COMPLETE"


# --- sellers, shops, warehouses, logistics (§3.3, §5.4) ---------------------------------------------------


class ShippingProvider(BaseModel):
    id: str
    name: str


class DeliveryOption(BaseModel):
    id: str
    name: str
    type: Literal["STANDARD", "EXPRESS", "ECONOMY", "SEND_BY_SELLER"]
    description: str
    platform: list[str] = Field(default_factory=lambda: ["TIKTOK_SHOP"])
    # Empty for options TikTok fulfils (TikTok Shipping): asking for their providers is error 21008117.
    shipping_providers: list[ShippingProvider] = Field(default_factory=list, exclude=True)

    @property
    def sent_by_seller(self) -> bool:
        return self.type == "SEND_BY_SELLER"


class WarehouseAddress(BaseModel):
    region: str
    region_code: str  # ISO 3166-1 alpha-2, as on a recipient address
    state: str
    city: str
    postal_code: str
    address_line1: str
    contact_person: str
    phone_number: str
    full_address: str


WarehouseType = Literal["SALES_WAREHOUSE", "RETURN_WAREHOUSE"]


class Warehouse(BaseModel):
    id: str
    name: str
    effect_status: Literal["ENABLED", "DISABLED", "RESTRICTED"] = "ENABLED"
    type: WarehouseType
    sub_type: str = "DOMESTIC_WAREHOUSE"
    is_default: bool
    address: WarehouseAddress
    delivery_options: list[DeliveryOption] = Field(default_factory=list, exclude=True)


class WebhookSubscription(BaseModel):
    """One row of `GET /event/202309/webhooks`: where this shop wants one event type pushed."""

    event_type: str
    address: str
    create_time: int
    update_time: int


class Shop(BaseModel):
    """One entry of `data.shops[]` in Get Authorized Shops."""

    id: str
    name: str
    region: str
    seller_type: Literal["LOCAL", "CROSS_BORDER"]
    cipher: str
    code: str
    seller_id: str = Field(exclude=True)
    warehouses: list[Warehouse] = Field(default_factory=list, exclude=True)
    webhooks: dict[str, WebhookSubscription] = Field(default_factory=dict, exclude=True)
    # Whether TikTok sells this shop its labels for seller-shipped orders (TikTok Shipping); off until the
    # seller signs up, as on TikTok, where not every shop is offered it.
    tiktok_shipping: bool = Field(default=False, exclude=True)

    @property
    def sales_warehouse(self) -> Warehouse:
        return next(w for w in self.warehouses if w.type == "SALES_WAREHOUSE" and w.is_default)


class Seller(BaseModel):
    id: str
    name: str
    base_region: str
    user_type: int = 0  # 0 seller, 1 creator, 3 partner
    open_id: str
    shop_ids: list[str] = Field(default_factory=list)


# --- products (§5.5) --------------------------------------------------------------------------------------


class Price(BaseModel):
    currency: str
    tax_exclusive_price: str
    sale_price: str


class Inventory(BaseModel):
    warehouse_id: str
    quantity: int


class SalesAttribute(BaseModel):
    name: str
    value_name: str


class Sku(BaseModel):
    id: str
    seller_sku: str
    price: Price
    inventory: list[Inventory]
    sales_attributes: list[SalesAttribute] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return ", ".join(a.value_name for a in self.sales_attributes)


class PackageWeight(BaseModel):
    value: str  # a decimal string, as TikTok sends it
    unit: Literal["GRAM", "KILOGRAM", "POUND"]


class PackageDimensions(BaseModel):
    length: str
    width: str
    height: str
    unit: Literal["CENTIMETER", "INCH"]


class Product(BaseModel):
    id: str
    title: str
    status: ProductStatus
    skus: list[Sku]
    create_time: int
    update_time: int
    # The packed unit every SKU ships as; on Get Product only, not in Search Products' rows.
    package_weight: PackageWeight | None = None
    package_dimensions: PackageDimensions | None = None
    shop_id: str = Field(exclude=True)


# --- orders (§5.2) ----------------------------------------------------------------------------------------


class DistrictInfo(BaseModel):
    address_level_name: str
    address_name: str
    address_level: str


class RecipientAddress(BaseModel):
    name: str
    first_name: str
    last_name: str
    phone_number: str
    full_address: str
    address_line1: str
    address_line2: str = ""
    address_line3: str = ""
    address_line4: str = ""
    postal_code: str
    region_code: str
    district_info: list[DistrictInfo]


class Payment(BaseModel):
    currency: str
    sub_total: str
    shipping_fee: str
    seller_discount: str
    platform_discount: str
    tax: str
    total_amount: str
    original_shipping_fee: str
    original_total_product_price: str


class LineItem(BaseModel):
    """One unit of one SKU: TikTok splits a quantity of 3 into three line items, each with its own id."""

    id: str
    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    sale_price: str
    original_price: str
    currency: str
    display_status: OrderStatus
    package_id: str
    package_status: str  # TO_FULFILL until shipped, then the package's status
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    rts_time: int | None = None
    cancel_user: str = ""
    cancel_reason: str = ""
    is_gift: bool = False


class PackageRef(BaseModel):
    id: str


class Order(BaseModel):
    id: str
    status: OrderStatus
    user_id: str
    buyer_email: str | None
    buyer_message: str | None = ""
    create_time: int
    update_time: int
    paid_time: int | None = None
    rts_sla_time: int | None = None
    tts_sla_time: int | None = None
    rts_time: int | None = None
    collection_time: int | None = None
    delivery_time: int | None = None
    cancel_time: int | None = None
    shipping_type: ShippingType
    fulfillment_type: str = "FULFILLMENT_BY_SELLER"  # or FULFILLMENT_BY_TIKTOK (FBT)
    delivery_option_id: str
    delivery_option_name: str
    warehouse_id: str
    shipping_provider: str = ""
    shipping_provider_id: str = ""
    tracking_number: str = ""
    is_on_hold_order: bool
    is_sample_order: bool = False
    is_buyer_request_cancel: bool = False
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    order_type: str = "NORMAL"
    split_or_combine_tag: Literal["COMBINED", "SPLIT"] | None = None
    packages: list[PackageRef]
    payment: Payment
    recipient_address: RecipientAddress | None
    line_items: list[LineItem]
    shop_id: str = Field(exclude=True)
    hold_until: int | None = Field(default=None, exclude=True)

    def public_view(self) -> Order:
        """The order as the API shows it: while ON_HOLD the address and buyer details are withheld (§5.2)."""
        if self.status != OrderStatus.ON_HOLD:
            return self
        return self.model_copy(update={"recipient_address": None, "buyer_email": None, "buyer_message": None})


class TrackingEvent(BaseModel):
    description: str
    update_time_millis: int


class Package(BaseModel):
    """A parcel of one order's line items; not an API object (the package endpoints render views of it)."""

    id: str
    shop_id: str
    order_id: str  # the (first) order it ships
    combined_order_ids: list[str] = Field(default_factory=list)  # every order, when combined
    line_item_ids: list[str]
    status: PackageStatus = PackageStatus.PROCESSING
    shipping_type: ShippingType
    delivery_option_id: str
    split_and_combine_tag: Literal["DEFAULT", "COMBINE", "SPLIT"] = "DEFAULT"
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    handover_method: HandoverMethod | None = None
    shipped_time: int | None = None
    create_time: int
    update_time: int
    tracking: list[TrackingEvent] = Field(default_factory=list)
    label_price: str | None = Field(default=None, exclude=True)  # what TikTok charged for its label

    @property
    def order_ids(self) -> list[str]:
        return self.combined_order_ids or [self.order_id]


# --- returns and cancellations (§5.6) -----------------------------------------------------------------------


class RefundAmount(BaseModel):
    currency: str
    refund_total: str


class AftersaleLineItem(BaseModel):
    order_line_item_id: str
    sku_id: str
    product_name: str
    sku_name: str
    seller_sku: str


class NextAction(BaseModel):
    action: str
    deadline: int


class ReturnRequest(BaseModel):
    return_id: str
    order_id: str
    return_type: ReturnType
    return_status: ReturnStatus
    role: Role
    return_reason: str
    return_line_items: list[AftersaleLineItem]
    refund_amount: RefundAmount
    seller_next_action_response: list[NextAction]
    create_time: int
    update_time: int
    shop_id: str = Field(exclude=True)


class Cancellation(BaseModel):
    cancel_id: str
    order_id: str
    cancel_type: Literal["CANCEL", "BUYER_CANCEL"]
    cancel_status: CancelStatus
    role: Role
    cancel_reason: str
    refund_amount: RefundAmount
    cancel_line_items: list[AftersaleLineItem]
    seller_next_action_response: list[NextAction]
    create_time: int
    update_time: int
    shop_id: str = Field(exclude=True)


class SellerRejection(BaseModel):
    """The reason (and comment) a seller must give to reject a cancellation or return (reference §5.6). The
    reference lists no field that returns it in search answers, so the emulator shows it on `/_admin` only."""

    request_id: str  # the cancel_id or return_id
    order_id: str
    decision: str  # the reject decision; REJECT_CANCELLATION for a cancellation (the emulator's name)
    reject_reason: str
    comment: str | None
    create_time: int
