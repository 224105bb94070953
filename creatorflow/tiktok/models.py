"""Typed TikTok Shop responses and request bodies (docs/reference/tiktok-shop-api.md §3 and §5).

Unknown response fields are ignored, numbers sent where strings are documented are accepted (TikTok is
inconsistent about quoting ids), and statuses stay plain strings so a value TikTok adds tomorrow does not
break parsing; the `*Status` enums below name the values we act on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TikTokModel(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


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


# --- authorization -------------------------------------------------------------------------------


class TokenGrant(TikTokModel):
    """Token get/refresh answer. Both `*_expire_in` fields are absolute Unix times, not durations."""

    access_token: str = Field(repr=False)
    access_token_expire_in: int
    refresh_token: str = Field(repr=False)
    refresh_token_expire_in: int
    open_id: str = ""
    seller_name: str = ""
    seller_base_region: str = ""
    user_type: int = 0
    granted_scopes: list[str] = Field(default_factory=list)

    @property
    def access_token_expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.access_token_expire_in, UTC)

    @property
    def refresh_token_expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.refresh_token_expire_in, UTC)


class AuthorizedShop(TikTokModel):
    id: str
    name: str = ""
    region: str = ""
    seller_type: str = ""  # CROSS_BORDER | LOCAL
    cipher: str
    code: str = ""


class ShopCredentials(TikTokModel):
    """What a shop-scoped call needs. The token is kept out of reprs and logs."""

    shop_id: str
    cipher: str
    access_token: str = Field(repr=False)


# --- orders ----------------------------------------------------------------------------------------


class DistrictInfo(TikTokModel):
    address_level_name: str = ""
    address_name: str = ""
    address_level: str = ""


class RecipientAddress(TikTokModel):
    name: str = ""
    phone_number: str = ""
    full_address: str = ""
    postal_code: str = ""
    region_code: str = ""
    address_line1: str = ""
    address_line2: str = ""
    address_line3: str = ""
    address_line4: str = ""
    district_info: list[DistrictInfo] = Field(default_factory=list)


class Payment(TikTokModel):
    currency: str = ""
    sub_total: Decimal | None = None
    shipping_fee: Decimal | None = None
    seller_discount: Decimal | None = None
    platform_discount: Decimal | None = None
    tax: Decimal | None = None
    total_amount: Decimal | None = None


class LineItem(TikTokModel):
    id: str
    sku_id: str = ""
    product_id: str = ""
    product_name: str = ""
    sku_name: str = ""
    seller_sku: str = ""
    sale_price: Decimal | None = None
    original_price: Decimal | None = None
    currency: str = ""
    display_status: str = ""
    package_id: str = ""
    package_status: str = ""
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    is_gift: bool = False


class PackageRef(TikTokModel):
    id: str


class Order(TikTokModel):
    id: str
    status: str
    user_id: str = ""
    create_time: int = 0
    update_time: int = 0
    paid_time: int | None = None
    rts_time: int | None = None
    rts_sla_time: int | None = None
    tts_sla_time: int | None = None
    cancel_time: int | None = None
    delivery_time: int | None = None
    collection_time: int | None = None
    shipping_provider: str = ""
    shipping_provider_id: str = ""
    tracking_number: str = ""
    shipping_type: str = ""  # SELLER | TIKTOK | TIKTOK_DIGITAL
    fulfillment_type: str = ""  # FULFILLMENT_BY_SELLER | FULFILLMENT_BY_TIKTOK
    delivery_option_id: str = ""
    delivery_option_name: str = ""
    warehouse_id: str = ""
    is_on_hold_order: bool = False
    is_sample_order: bool = False
    is_buyer_request_cancel: bool = False
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    split_or_combine_tag: str = ""  # COMBINED | SPLIT; absent for an order shipped as TikTok made it
    packages: list[PackageRef] = Field(default_factory=list)
    payment: Payment | None = None
    recipient_address: RecipientAddress | None = None  # absent while ON_HOLD
    line_items: list[LineItem] = Field(default_factory=list)


class OrderPage(TikTokModel):
    orders: list[Order] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


class OrderSearch(BaseModel):
    """Body filters of order search; times are Unix seconds."""

    order_status: str | None = None
    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None
    shipping_type: str | None = None
    buyer_user_id: str | None = None
    is_buyer_request_cancel: bool | None = None
    warehouse_ids: list[str] | None = None


# --- fulfillment and logistics -------------------------------------------------------------------


class ShippedPackage(TikTokModel):
    """Answer to "mark package as shipped"."""

    order_id: str = ""
    package_id: str = ""
    order_line_item_ids: list[str] = Field(default_factory=list)
    warning: dict[str, Any] | None = None


class SplitAttributes(TikTokModel):
    """Whether TikTok lets an order be split now, and whether it insists (Get Order Split Attributes)."""

    order_id: str
    can_split: bool = False
    reason: str = ""
    must_split: bool = False
    must_split_reasons: list[str] = Field(default_factory=list)


class SplitGroup(BaseModel):
    """One package of a split: a caller-chosen id and the order's line items that go in it."""

    id: str
    order_line_item_ids: list[str]


class SplitPackage(TikTokModel):
    """The package TikTok made for one split group."""

    splittable_group_id: str
    id: str


class PackageOrder(TikTokModel):
    id: str


class Package(TikTokModel):
    id: str = Field(validation_alias="package_id")
    status: str = Field(default="", validation_alias="package_status")
    orders: list[PackageOrder] = Field(default_factory=list)
    shipping_type: str = ""
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    delivery_option_id: str = ""
    handover_method: str = ""
    order_line_item_ids: list[str] = Field(default_factory=list)


class PackageSummary(TikTokModel):
    """One row of package search."""

    id: str
    status: str = ""
    orders: list[PackageOrder] = Field(default_factory=list)
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    create_time: int = 0
    update_time: int = 0


class PackagePage(TikTokModel):
    packages: list[PackageSummary] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


class OrderTrackingEvent(TikTokModel):
    """A line of TikTok's own tracking of an order (not the carrier's `creatorflow.domain.TrackingEvent`)."""

    description: str = ""
    update_time_millis: int = 0  # milliseconds, unlike every other TikTok time


class ShippingDocument(TikTokModel):
    doc_url: str  # valid for 24 hours
    tracking_number: str = ""


class ShippingWeightUnit(StrEnum):
    """Package weight units of Get Eligible Shipping Service and Create Packages (not the product's)."""

    GRAM = "GRAM"
    POUND = "POUND"


class ShippingLengthUnit(StrEnum):
    """Package dimension units of Get Eligible Shipping Service and Create Packages."""

    CM = "CM"
    INCH = "INCH"


class ShippingWeight(TikTokModel):
    value: Decimal = Field(gt=0, description="a decimal string on the wire")
    unit: ShippingWeightUnit


class ShippingDimension(TikTokModel):
    """Length, width and height must be passed together."""

    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    unit: ShippingLengthUnit


class EligibleServicesQuery(BaseModel):
    """Body of Get Eligible Shipping Service: the package TikTok should price."""

    order_line_item_ids: list[str] | None = None
    weight: ShippingWeight
    dimension: ShippingDimension


class ShippingService(TikTokModel):
    """One TikTok Shipping service: an estimated price and a delivery window in days. Create Packages
    answers the chosen one as `shipping_service_info`, without `is_default`."""

    id: str
    name: str = ""
    price: Decimal | None = None
    currency: str = ""
    earliest_delivery_days: int | None = None
    latest_delivery_days: int | None = None
    is_default: bool = False
    shipping_provider_name: str = ""
    shipping_provider_id: str = ""


class EligibleShippingServices(TikTokModel):
    """Answer of Get Eligible Shipping Service (note `order_line_id`, as TikTok spells it here)."""

    order_id: str = ""
    order_line_id: list[str] = Field(default_factory=list)
    weight: ShippingWeight | None = None
    dimension: ShippingDimension | None = None
    shipping_services: list[ShippingService] = Field(default_factory=list)


class CreatePackageRequest(BaseModel):
    """Body of Create Packages: buy TikTok's label for the order with `shipping_service_id`."""

    order_id: str
    order_line_item_ids: list[str] | None = None
    shipping_service_id: str
    weight: ShippingWeight
    dimension: ShippingDimension


class CreatedPackage(TikTokModel):
    """Answer of Create Packages. It carries no tracking number: Get Package Detail or the shipping document
    does."""

    order_id: str = ""
    order_line_item_ids: list[str] = Field(default_factory=list)
    package_id: str
    shipping_service_info: ShippingService | None = None
    weight: ShippingWeight | None = None
    dimension: ShippingDimension | None = None
    create_time: int = 0


class WarehouseAddress(TikTokModel):
    """A warehouse's address on Get Warehouse List. The reference lists only `address{…}`; these fields
    are the ones the emulator serves (also in third-party SDKs' models of the 202309 response). `state` and
    `city` are names, `region_code` the ISO country code, as on a recipient address."""

    region: str = ""
    region_code: str = ""
    state: str = ""
    city: str = ""
    postal_code: str = ""
    address_line1: str = ""
    address_line2: str = ""
    full_address: str = ""
    contact_person: str = ""
    phone_number: str = ""


class WarehouseType(StrEnum):
    SALES_WAREHOUSE = "SALES_WAREHOUSE"
    RETURN_WAREHOUSE = "RETURN_WAREHOUSE"


class WarehouseStatus(StrEnum):
    """`effect_status`: only ENABLED warehouses take orders or returns (DISABLED, RESTRICTED otherwise)."""

    ENABLED = "ENABLED"


class Warehouse(TikTokModel):
    id: str
    name: str = ""
    entity_id: str = ""
    effect_status: str = ""
    type: str = ""  # WarehouseType
    sub_type: str = ""
    is_default: bool = False
    address: WarehouseAddress = Field(default_factory=WarehouseAddress)


class DeliveryOption(TikTokModel):
    id: str
    name: str = ""
    type: str = ""  # STANDARD | EXPRESS | ECONOMY | SEND_BY_SELLER
    description: str = ""


class ShippingProvider(TikTokModel):
    id: str
    name: str = ""


# --- products --------------------------------------------------------------------------------------


class ProductStatus(StrEnum):
    """The product statuses stock acts on: only ACTIVATE is on sale; SELLER_DEACTIVATED is the one the
    seller (or an app, through Deactivate Products) sets and can undo."""

    ACTIVATE = "ACTIVATE"
    SELLER_DEACTIVATED = "SELLER_DEACTIVATED"


class SkuPrice(TikTokModel):
    currency: str = ""
    tax_exclusive_price: Decimal | None = None
    sale_price: Decimal | None = None


class WarehouseStock(TikTokModel):
    warehouse_id: str = ""
    quantity: int = 0


class Sku(TikTokModel):
    id: str
    seller_sku: str = ""
    price: SkuPrice | None = None
    inventory: list[WarehouseStock] = Field(default_factory=list)


class TikTokWeightUnit(StrEnum):
    """`package_weight.unit` on Get/Create Product (202309): US shops KILOGRAM or POUND; BR, JP, MX
    KILOGRAM or GRAM; elsewhere KILOGRAM."""

    GRAM = "GRAM"
    KILOGRAM = "KILOGRAM"
    POUND = "POUND"


class TikTokLengthUnit(StrEnum):
    """`package_dimensions.unit`: US shops CENTIMETER or INCH, elsewhere CENTIMETER."""

    CENTIMETER = "CENTIMETER"
    INCH = "INCH"


class PackageWeight(TikTokModel):
    value: Decimal = Field(gt=0, description="TikTok sends a decimal string, e.g. '1.32'")
    unit: TikTokWeightUnit


class PackageDimensions(TikTokModel):
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    unit: TikTokLengthUnit


class Product(TikTokModel):
    id: str
    title: str = ""
    status: str = ""
    skus: list[Sku] = Field(default_factory=list)
    # Get Product only (not Search Products): the packed unit every SKU of the product ships as.
    package_weight: PackageWeight | None = None
    package_dimensions: PackageDimensions | None = None
    create_time: int = 0
    update_time: int = 0


class ProductPage(TikTokModel):
    products: list[Product] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


class SkuInventory(BaseModel):
    """One SKU of an inventory update: every warehouse the SKU is assigned to."""

    id: str
    inventory: list[WarehouseStock]


class ItemError(TikTokModel):
    """One entry of `data.errors[]`: a SKU Update Inventory refused (`detail.sku_id`), or a product
    Activate/Deactivate Products refused (`detail.product_id`), while the call itself answered code 0."""

    code: int = 0
    message: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)


# --- returns and cancellations ------------------------------------------------------------------


class Money(TikTokModel):
    currency: str = ""
    refund_total: Decimal | None = None
    amount: Decimal | None = None


class ReturnRequest(TikTokModel):
    return_id: str
    order_id: str = ""
    return_type: str = ""  # REFUND | RETURN_AND_REFUND | REPLACEMENT
    return_status: str = ""
    role: str = ""
    return_reason: str = ""
    refund_amount: Money | None = None
    return_line_items: list[dict[str, Any]] = Field(default_factory=list)
    create_time: int = 0
    update_time: int = 0


class ReturnPage(TikTokModel):
    return_orders: list[ReturnRequest] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


class Cancellation(TikTokModel):
    cancel_id: str
    order_id: str = ""
    cancel_type: str = ""  # CANCEL | BUYER_CANCEL
    cancel_status: str = ""
    role: str = ""
    cancel_reason: str = ""
    refund_amount: Money | None = None
    cancel_line_items: list[dict[str, Any]] = Field(default_factory=list)
    create_time: int = 0
    update_time: int = 0


class CancellationPage(TikTokModel):
    cancellations: list[Cancellation] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


class SellerCancellation(TikTokModel):
    cancel_id: str = ""
    cancel_status: str = ""


class AfterSaleSearch(BaseModel):
    """Body filters shared by return and cancellation search."""

    order_ids: list[str] | None = None
    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None


# --- finance ---------------------------------------------------------------------------------------


class Statement(TikTokModel):
    id: str
    statement_time: int = 0
    settlement_amount: Decimal | None = None
    currency: str = ""
    revenue_amount: Decimal | None = None
    fee_amount: Decimal | None = None
    adjustment_amount: Decimal | None = None
    payment_status: str = ""
    payment_id: str = ""


class StatementPage(TikTokModel):
    statements: list[Statement] = Field(default_factory=list)
    next_page_token: str = ""


class StatementTransaction(TikTokModel):
    """One transaction of a statement (Transactions by Statement 202501): the reference documents `id`,
    `type` (ORDER, RESERVE or an adjustment type), `order_id`, `settlement_amount`, `revenue_amount`."""

    id: str
    type: str = ""
    order_id: str = ""
    settlement_amount: Decimal | None = None
    revenue_amount: Decimal | None = None


class StatementTransactionPage(TikTokModel):
    transactions: list[StatementTransaction] = Field(default_factory=list)
    next_page_token: str = ""


class OrderTransactions(TikTokModel):
    """An order's settlement so far (Transactions by Order 202501). Fees and shipping are negative: money
    TikTok keeps."""

    order_id: str
    revenue_amount: Decimal | None = None
    fee_and_tax_amount: Decimal | None = None
    shipping_cost_amount: Decimal | None = None
    settlement_amount: Decimal | None = None


class Empty(TikTokModel):
    """`data: {}` (or null) answers."""
