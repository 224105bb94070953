"""Request bodies and response `data` of the emulated Open API, in TikTok's field names (reference §3, §5).

Objects the world stores in their API shape (Order, Product, Warehouse, ...) live in `wire_models`; this
module holds what exists only on the wire: search filters, action bodies, list wrappers and package views.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, Field

from emulators.tiktok.wire_models import (
    Cancellation,
    DeliveryOption,
    HandoverMethod,
    Inventory,
    Order,
    OrderStatus,
    Package,
    PackageStatus,
    Price,
    Product,
    ProductStatus,
    RecipientAddress,
    ReturnRequest,
    ReturnStatus,
    ReturnType,
    ShippingProvider,
    ShippingType,
    Shop,
    TrackingEvent,
    Warehouse,
    WebhookSubscription,
)


class TimeRange(BaseModel):
    """The `*_ge` / `*_lt` filters every search takes (Unix seconds; either end may be left open)."""

    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None

    def in_range(self, create_time: int, update_time: int) -> bool:
        return (
            (self.create_time_ge is None or create_time >= self.create_time_ge)
            and (self.create_time_lt is None or create_time < self.create_time_lt)
            and (self.update_time_ge is None or update_time >= self.update_time_ge)
            and (self.update_time_lt is None or update_time < self.update_time_lt)
        )


# --- authorization, seller, events ---------------------------------------------------------------------


class TokenData(BaseModel):
    """`data` of /api/v2/token/get and /refresh (§3.2): both `*_expire_in` are absolute Unix times."""

    access_token: str
    access_token_expire_in: int
    refresh_token: str
    refresh_token_expire_in: int
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: int
    granted_scopes: list[str]


class ShopsData(BaseModel):
    shops: list[Shop]


class ActiveShop(BaseModel):
    id: str
    region: str


class ActiveShopsData(BaseModel):
    shops: list[ActiveShop]


class WebhooksData(BaseModel):
    webhooks: list[WebhookSubscription]
    total_count: int


class WebhookUpdateBody(BaseModel):
    address: str = Field(min_length=1, max_length=255)
    event_type: str


class WebhookDeleteBody(BaseModel):
    event_type: str


# --- orders --------------------------------------------------------------------------------------------


class OrderSearchBody(TimeRange):
    order_status: OrderStatus | None = None
    shipping_type: Literal["TIKTOK", "SELLER", "TIKTOK_DIGITAL"] | None = None
    buyer_user_id: str | None = None
    is_buyer_request_cancel: bool | None = None
    warehouse_ids: list[str] | None = Field(default=None, max_length=100)

    def admits(self, order: Order) -> bool:
        return (
            self.in_range(order.create_time, order.update_time)
            and (self.order_status is None or order.status == self.order_status)
            and (self.shipping_type is None or order.shipping_type == self.shipping_type)
            and (self.buyer_user_id is None or order.user_id == self.buyer_user_id)
            and (
                self.is_buyer_request_cancel is None
                or order.is_buyer_request_cancel == self.is_buyer_request_cancel
            )
            and (self.warehouse_ids is None or order.warehouse_id in self.warehouse_ids)
        )


class OrderSearchData(BaseModel):
    next_page_token: str
    total_count: int
    orders: list[Order]


class OrdersData(BaseModel):
    orders: list[Order]


# --- fulfillment ---------------------------------------------------------------------------------------


class MarkShippedBody(BaseModel):
    tracking_number: str = Field(min_length=1)
    shipping_provider_id: str = Field(min_length=1)
    order_line_item_ids: list[str] | None = None


class ShippingInfoBody(BaseModel):
    """Update Package Shipping Info (reference §5.3)."""

    tracking_number: str = Field(min_length=1)
    shipping_provider_id: str = Field(min_length=1)


class ShippingWarning(BaseModel):
    message: str


class MarkShippedData(BaseModel):
    order_id: str
    order_line_item_ids: list[str]
    package_id: str
    warning: ShippingWarning | None = None


class SelfShipment(BaseModel):
    tracking_number: str = Field(min_length=1)
    shipping_provider_id: str = Field(min_length=1)


class PickupSlot(BaseModel):
    start_time: int
    end_time: int


class ShipPackageBody(BaseModel):
    handover_method: HandoverMethod = "DROP_OFF"
    pickup_slot: PickupSlot | None = None
    self_shipment: SelfShipment | None = None


class PackageSearchBody(TimeRange):
    package_status: PackageStatus | None = None

    def admits(self, package: Package) -> bool:
        return self.in_range(package.create_time, package.update_time) and (
            self.package_status is None or package.status == self.package_status
        )


class OrderRef(BaseModel):
    id: str


class PackageSummary(BaseModel):
    """One row of Search Package."""

    id: str
    orders: list[OrderRef]
    status: PackageStatus
    tracking_number: str
    shipping_provider_id: str
    shipping_provider_name: str
    order_line_item_ids: list[str]
    create_time: int
    update_time: int

    @classmethod
    def of(cls, package: Package) -> PackageSummary:
        return cls.model_validate(_package_fields(package))


class PackageSearchData(BaseModel):
    packages: list[PackageSummary]
    next_page_token: str
    total_count: int


class PackageDetail(BaseModel):
    """Get Package Detail: note `package_id` / `package_status`, where search says `id` / `status`."""

    package_id: str
    orders: list[OrderRef]
    package_status: PackageStatus
    split_and_combine_tag: str
    shipping_type: ShippingType
    delivery_option_id: str
    tracking_number: str
    shipping_provider_id: str
    shipping_provider_name: str
    handover_method: str | None
    order_line_item_ids: list[str]
    recipient_address: RecipientAddress | None
    create_time: int
    update_time: int

    @classmethod
    def of(cls, package: Package, recipient_address: RecipientAddress | None) -> PackageDetail:
        return cls.model_validate(
            {**_package_fields(package), "package_id": package.id, "package_status": package.status}
            | {"recipient_address": recipient_address}
        )


def _package_fields(package: Package) -> dict[str, object]:
    """The package's own fields plus the names the package views give its order and line items."""
    return {
        **package.model_dump(),
        "orders": [OrderRef(id=order_id) for order_id in package.order_ids],
        "order_line_item_ids": package.line_item_ids,
    }


class TrackingData(BaseModel):
    tracking: list[TrackingEvent]


DocumentType = Literal[
    "SHIPPING_LABEL",
    "PACKING_SLIP",
    "SHIPPING_LABEL_AND_PACKING_SLIP",
    "SHIPPING_LABEL_PICTURE",
    "HAZMAT_LABEL",
    "INVOICE_LABEL",
]


class ShippingDocumentData(BaseModel):
    doc_url: str
    tracking_number: str


class PackageWeightBody(BaseModel):
    """A package's weight on Get Eligible Shipping Service and Create Packages (decimal string)."""

    value: Decimal = Field(gt=0)
    unit: Literal["GRAM", "POUND"]


class PackageDimensionBody(BaseModel):
    """Length, width and height, passed together (decimal strings)."""

    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    unit: Literal["CM", "INCH"]


class EligibleServicesBody(BaseModel):
    order_line_item_ids: list[str] | None = None
    weight: PackageWeightBody | None = None
    dimension: PackageDimensionBody | None = None


class CreatePackagesBody(EligibleServicesBody):
    order_id: str
    shipping_service_id: str | None = None  # none: the default service of Get Eligible Shipping Service


class ShippingServiceData(BaseModel):
    id: str
    name: str
    price: str
    currency: str
    earliest_delivery_days: int
    latest_delivery_days: int
    is_default: bool | None = None  # on Get Eligible Shipping Service only
    shipping_provider_name: str
    shipping_provider_id: str


class EligibleServicesData(BaseModel):
    order_id: str
    order_line_id: list[str]  # sic: not order_line_item_ids, on this answer only
    weight: PackageWeightBody | None
    dimension: PackageDimensionBody | None
    shipping_services: list[ShippingServiceData]


class CreatedPackageData(BaseModel):
    order_id: str
    order_line_item_ids: list[str]
    dimension: PackageDimensionBody | None
    shipping_service_info: ShippingServiceData
    package_id: str
    weight: PackageWeightBody | None
    create_time: int


# --- logistics -----------------------------------------------------------------------------------------


class WarehousesData(BaseModel):
    warehouses: list[Warehouse]


class DeliveryOptionsData(BaseModel):
    delivery_options: list[DeliveryOption]


class ShippingProvidersData(BaseModel):
    shipping_providers: list[ShippingProvider]


# --- products ------------------------------------------------------------------------------------------


class ProductSearchBodyV202309(BaseModel):
    """Search Products 202309's filters (TikTok's Node SDK model `Product202309SearchProductsRequestBody`)."""

    status: ProductStatus | Literal["ALL"] | None = None
    seller_skus: list[str] | None = None
    create_time_ge: int | None = None
    create_time_le: int | None = None
    update_time_ge: int | None = None
    update_time_le: int | None = None

    def admits(self, product: Product) -> bool:
        return (
            (self.status in (None, "ALL") or product.status == self.status)
            and (self.seller_skus is None or any(s.seller_sku in self.seller_skus for s in product.skus))
            and (self.create_time_ge is None or product.create_time >= self.create_time_ge)
            and (self.create_time_le is None or product.create_time <= self.create_time_le)
            and (self.update_time_ge is None or product.update_time >= self.update_time_ge)
            and (self.update_time_le is None or product.update_time <= self.update_time_le)
        )


class ProductSearchBody(ProductSearchBodyV202309):
    """Search Products 202502 adds, among filters the emulator has nothing to apply to, `sku_ids`."""

    sku_ids: list[str] | None = Field(default=None, max_length=10)

    def admits(self, product: Product) -> bool:
        return super().admits(product) and (
            self.sku_ids is None or any(s.id in self.sku_ids for s in product.skus)
        )


class ListedSkuV202309(BaseModel):
    """A SKU in a Search Products row: without Get Product's `sales_attributes`."""

    id: str
    seller_sku: str
    price: Price
    inventory: list[Inventory]


class ListedProductV202309(BaseModel):
    """A row of Search Products 202309: without Get Product's package data. The emulator's shops sell in
    their own region only."""

    id: str
    title: str
    status: ProductStatus
    skus: Sequence[ListedSkuV202309]
    sales_regions: list[str]
    create_time: int
    update_time: int

    @classmethod
    def of(cls, product: Product, region: str) -> Self:
        return cls.model_validate({**product.model_dump(), "sales_regions": [region]})


class SkuStatusInfo(BaseModel):
    """`skus[].status_info` (202502): the emulator never deactivates one SKU alone, so always NORMAL."""

    status: Literal["NORMAL"] = "NORMAL"


class ListedSku(ListedSkuV202309):
    status_info: SkuStatusInfo = Field(default_factory=SkuStatusInfo)


class ListedProduct(ListedProductV202309):
    """A row of Search Products 202502: 202309's fields, plus those the emulator can answer truly (it keeps
    no drafts and has no not-for-sale products)."""

    skus: Sequence[ListedSku]
    has_draft: bool = False
    is_not_for_sale: bool = False


class ProductSearchDataV202309(BaseModel):
    products: list[ListedProductV202309]
    total_count: int
    next_page_token: str


class ProductSearchData(BaseModel):
    products: list[ListedProduct]
    total_count: int
    next_page_token: str


class WarehouseQuantity(BaseModel):
    warehouse_id: str | None = None
    quantity: int  # TikTok checks the range [1, 99999] itself and reports it in data.errors[]
    backorder_quantity: int | None = None
    handling_time: int | None = None


class SkuInventoryUpdate(BaseModel):
    id: str
    inventory: list[WarehouseQuantity] = Field(min_length=1)


class InventoryUpdateBody(BaseModel):
    skus: list[SkuInventoryUpdate] = Field(min_length=1)


class WarehouseError(BaseModel):
    warehouse_id: str | None
    code: int
    message: str


class InventoryErrorDetail(BaseModel):
    sku_id: str
    extra_errors: list[WarehouseError] = Field(default_factory=list)


class InventoryError(BaseModel):
    code: int
    message: str
    detail: InventoryErrorDetail


class InventoryUpdateData(BaseModel):
    errors: list[InventoryError]


class ProductIdsBody(BaseModel):
    """Activate Product / Deactivate Products: at most 20 products a call."""

    product_ids: list[str] = Field(min_length=1, max_length=20)


class ProductErrorDetail(BaseModel):
    product_id: str


class ProductError(BaseModel):
    code: int
    message: str
    detail: ProductErrorDetail


class ProductErrorsData(BaseModel):
    errors: list[ProductError]


# --- returns and cancellations -------------------------------------------------------------------------


class ReturnSearchBody(TimeRange):
    return_ids: list[str] | None = None
    order_ids: list[str] | None = None
    return_types: list[ReturnType] | None = None
    return_status: list[ReturnStatus] | None = None

    def admits(self, request: ReturnRequest) -> bool:
        return (
            self.in_range(request.create_time, request.update_time)
            and (self.return_ids is None or request.return_id in self.return_ids)
            and (self.order_ids is None or request.order_id in self.order_ids)
            and (self.return_types is None or request.return_type in self.return_types)
            and (self.return_status is None or request.return_status in self.return_status)
        )


class ReturnSearchData(BaseModel):
    return_orders: list[ReturnRequest]
    total_count: int
    next_page_token: str


ApproveDecision = Literal[
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_RECEIVED_PACKAGE",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "OFFER_PARTIAL_REFUND",
]
RejectDecision = Literal["REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE", "REJECT_REPLACEMENT"]


class ApproveReturnBody(BaseModel):
    decision: ApproveDecision
    buyer_keep_item: bool | None = None


class RejectReturnBody(BaseModel):
    decision: RejectDecision
    reject_reason: str = Field(min_length=1)
    comment: str | None = None


class CancellationSearchBody(TimeRange):
    cancel_ids: list[str] | None = None
    order_ids: list[str] | None = None
    cancel_types: list[Literal["CANCEL", "BUYER_CANCEL"]] | None = None
    cancel_status: list[str] | None = None

    def admits(self, cancellation: Cancellation) -> bool:
        return (
            self.in_range(cancellation.create_time, cancellation.update_time)
            and (self.cancel_ids is None or cancellation.cancel_id in self.cancel_ids)
            and (self.order_ids is None or cancellation.order_id in self.order_ids)
            and (self.cancel_types is None or cancellation.cancel_type in self.cancel_types)
            and (self.cancel_status is None or cancellation.cancel_status in self.cancel_status)
        )


class CancellationSearchData(BaseModel):
    cancellations: list[Cancellation]
    total_count: int
    next_page_token: str


class RejectCancellationBody(BaseModel):
    reject_reason: str = Field(min_length=1)
    comment: str | None = None


class CancelOrderBody(BaseModel):
    order_id: str = Field(min_length=1)
    cancel_reason: str = Field(min_length=1)


class CancelOrderData(BaseModel):
    cancel_id: str
    cancel_status: str


# --- finance -------------------------------------------------------------------------------------------


class Statement(BaseModel):
    id: str
    statement_time: int
    settlement_amount: str
    currency: str
    revenue_amount: str
    fee_amount: str
    adjustment_amount: str
    payment_status: Literal["PAID", "FAILED", "PROCESSING"]
    payment_id: str


class StatementSearch(BaseModel):
    """Get Statements' filters (query parameters)."""

    statement_time_ge: int | None = None
    statement_time_lt: int | None = None
    payment_status: Literal["PAID", "FAILED", "PROCESSING"] | None = None

    def admits(self, statement: Statement) -> bool:
        return (
            (self.statement_time_ge is None or statement.statement_time >= self.statement_time_ge)
            and (self.statement_time_lt is None or statement.statement_time < self.statement_time_lt)
            and (self.payment_status is None or statement.payment_status == self.payment_status)
        )


class StatementsData(BaseModel):
    statements: list[Statement]
    next_page_token: str


class StatementTransaction(BaseModel):
    """Transactions by Statement 202501: `id, type, order_id, settlement_amount, revenue_amount` are the
    reference's; `order_create_time` (the sort field), `statement_id` and `currency` are the emulator's."""

    id: str
    type: str  # ORDER | RESERVE | an adjustment type
    order_id: str
    order_create_time: int
    statement_id: str
    settlement_amount: str
    revenue_amount: str
    currency: str


class StatementTransactionsData(BaseModel):
    statement_id: str
    statement_time: int
    settlement_amount: str
    revenue_amount: str
    total_count: int
    transactions: list[StatementTransaction]
    next_page_token: str


class AllTransactions(BaseModel):
    """A statement's transactions take no filters: every one is admitted."""

    def admits(self, transaction: StatementTransaction) -> bool:
        return True


class OrderTransactions(BaseModel):
    """Transactions by Order 202501 (reference §5.7); `currency` is the emulator's."""

    order_id: str
    currency: str
    revenue_amount: str
    fee_and_tax_amount: str
    shipping_cost_amount: str
    settlement_amount: str
    sku_transactions: list[dict[str, str]]


class SplitAttributes(BaseModel):
    """One order's row of Get Order Split Attributes."""

    order_id: str
    can_split: bool
    reason: str
    must_split: bool
    must_split_reasons: list[str]


class SplitGroup(BaseModel):
    """A caller-chosen group of Split Orders: its id comes back with the package made for it."""

    id: str
    order_line_item_ids: list[str]


class SplitPackage(BaseModel):
    splittable_group_id: str
    id: str


class SplitAttributesData(BaseModel):
    split_attributes: list[SplitAttributes]


class SplitOrderBody(BaseModel):
    splittable_groups: list[SplitGroup]


class SplitOrderData(BaseModel):
    packages: list[SplitPackage]


class CombinablePackage(BaseModel):
    """A package and the orders that may ship in it (Search Combinable Packages, Combine Package)."""

    id: str
    order_ids: list[str]


class CombinableSearchData(BaseModel):
    combinable_packages: list[CombinablePackage]
    next_page_token: str
    total_count: int


class CombineBody(BaseModel):
    combinable_packages: list[CombinablePackage] = Field(min_length=1)


class CombineErrorDetail(BaseModel):
    package_id: str


class CombineError(BaseModel):
    code: int
    message: str
    detail: CombineErrorDetail


class CombineData(BaseModel):
    packages: list[CombinablePackage]
    errors: list[CombineError]


class UncombineBody(BaseModel):
    order_ids: list[str] = Field(min_length=1)


class UncombineData(BaseModel):
    packages: list[CombinablePackage]
