"""Async TikTok Shop Open API client (docs/reference/tiktok-shop-api.md §2, §4, §5).

Every call is signed as §2.1 with a fresh timestamp, carries the access token in `x-tts-access-token`,
passes `shop_cipher` exactly where the API expects it, waits its turn in a per-(shop, API) rate limiter,
and returns a typed model or raises a typed `TikTokError`. Retrying is the caller's decision (Temporal
activities), except for short 429 back-offs, which the client absorbs because they are routine.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, Field

from creatorflow.config import TikTokSettings
from creatorflow.tiktok import models as m
from creatorflow.tiktok.envelope import send, unwrap
from creatorflow.tiktok.errors import DocumentLinkExpiredError, RateLimitedError, TikTokError, TransientError
from creatorflow.tiktok.ratelimit import RateLimiter
from creatorflow.tiktok.signing import sign_request
from creatorflow.tiktok.versions import VersionedPath

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=BaseModel)

ORDER_DETAIL_MAX_IDS = 50
# What a `doc_url` answers once it is past its 24 hours (or never existed).
EXPIRED_LINK_STATUSES = frozenset({403, 404, 410})
PRODUCT_STATUS_MAX_IDS = 20


@dataclass(frozen=True)
class Api:
    """One Open API operation. `path` is a template; it is also the rate-limit key."""

    method: str
    path: str
    shop_scoped: bool = True


AUTHORIZED_SHOPS = Api("GET", "/authorization/202309/shops", shop_scoped=False)
ORDER_SEARCH = Api("POST", "/order/202309/orders/search")
# Called at the version `TikTokSettings.api_versions` picks for their family (reference §5.2, §5.5).
ORDER_DETAIL = VersionedPath("orders", "/order/{version}/orders", ("202309", "202507"))
MARK_PACKAGE_SHIPPED = Api("POST", "/fulfillment/202309/orders/{order_id}/packages")
SHIP_PACKAGE = Api("POST", "/fulfillment/202309/packages/{package_id}/ship")
UPDATE_SHIPPING_INFO = Api("POST", "/fulfillment/202309/packages/{package_id}/shipping_info/update")
PACKAGE_DETAIL = Api("GET", "/fulfillment/202309/packages/{package_id}")
PACKAGE_SEARCH = Api("POST", "/fulfillment/202309/packages/search")
SPLIT_ATTRIBUTES = Api("GET", "/fulfillment/202309/orders/split_attributes")
SPLIT_ORDER = Api("POST", "/fulfillment/202309/orders/{order_id}/split")
ORDER_TRACKING = Api("GET", "/fulfillment/202309/orders/{order_id}/tracking")
SHIPPING_DOCUMENT = Api("GET", "/fulfillment/202309/packages/{package_id}/shipping_documents")
# TikTok Shipping as a priced carrier (US): fields from TikTok's Partner Center specs, reference §5.3.
ELIGIBLE_SHIPPING_SERVICES = Api("POST", "/fulfillment/202309/orders/{order_id}/shipping_services/query")
CREATE_PACKAGES = Api("POST", "/fulfillment/202309/packages")
WAREHOUSES = Api("GET", "/logistics/202309/warehouses")
DELIVERY_OPTIONS = Api("GET", "/logistics/202309/warehouses/{warehouse_id}/delivery_options")
SHIPPING_PROVIDERS = Api("GET", "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers")
PRODUCT_SEARCH = VersionedPath("products", "/product/{version}/products/search", ("202309", "202502"))
PRODUCT_DETAIL = Api("GET", "/product/202309/products/{product_id}")
INVENTORY_UPDATE = Api("POST", "/product/202309/products/{product_id}/inventory/update")
# Reference §5.5 names these under "Others" only. Path, body `{"product_ids": [...]}` (at most 20) and
# `data.errors[]{code, message, detail{product_id}}` are from the Partner API's Activate Product and
# Deactivate Products pages as SDKs mirror them (EcomPHP/tiktokshop-php Product.php,
# lywzx/tiktok-partner-api products/ActivateProduct.ts and DeactivateProducts.ts).
PRODUCTS_ACTIVATE = Api("POST", "/product/202309/products/activate")
PRODUCTS_DEACTIVATE = Api("POST", "/product/202309/products/deactivate")
RETURN_SEARCH = Api("POST", "/return_refund/202309/returns/search")
RETURN_APPROVE = Api("POST", "/return_refund/202309/returns/{return_id}/approve")
RETURN_REJECT = Api("POST", "/return_refund/202309/returns/{return_id}/reject")
CANCELLATION_SEARCH = Api("POST", "/return_refund/202309/cancellations/search")
CANCELLATION_APPROVE = Api("POST", "/return_refund/202309/cancellations/{cancel_id}/approve")
CANCELLATION_REJECT = Api("POST", "/return_refund/202309/cancellations/{cancel_id}/reject")
CANCEL_ORDER = Api("POST", "/return_refund/202309/cancellations")
STATEMENTS = Api("GET", "/finance/202309/statements")
# v202309 of both transaction APIs is retired (reference §3.4, §5.7).
STATEMENT_TRANSACTIONS = Api("GET", "/finance/202501/statements/{statement_id}/statement_transactions")
ORDER_TRANSACTIONS = Api("GET", "/finance/202501/orders/{order_id}/statement_transactions")


class _Warehouses(m.TikTokModel):
    warehouses: list[m.Warehouse] = Field(default_factory=list)


class _DeliveryOptions(m.TikTokModel):
    delivery_options: list[m.DeliveryOption] = Field(default_factory=list)


class _ShippingProviders(m.TikTokModel):
    shipping_providers: list[m.ShippingProvider] = Field(default_factory=list)


class _Shops(m.TikTokModel):
    shops: list[m.AuthorizedShop] = Field(default_factory=list)


class _Orders(m.TikTokModel):
    orders: list[m.Order] = Field(default_factory=list)


class _SplitAttributes(m.TikTokModel):
    split_attributes: list[m.SplitAttributes] = Field(default_factory=list)


class _SplitPackages(m.TikTokModel):
    packages: list[m.SplitPackage] = Field(default_factory=list)


class _Tracking(m.TikTokModel):
    tracking: list[m.OrderTrackingEvent] = Field(default_factory=list)


class _ItemErrors(m.TikTokModel):
    errors: list[m.ItemError] = Field(default_factory=list)


async def pages(fetch: Callable[[str | None], Awaitable[P]]) -> AsyncIterator[P]:
    """Follow `next_page_token` from the first page to the last (an empty or missing token)."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(token)
        yield page
        token = getattr(page, "next_page_token", "") or None
        if token is None:
            return
        if token in seen:
            raise RuntimeError(f"TikTok repeated page token {token!r}; stopping to avoid a loop")
        seen.add(token)


class TikTokShopClient:
    """`async with TikTokShopClient(settings) as tiktok: await tiktok.get_orders(shop, ids)`."""

    def __init__(
        self,
        settings: TikTokSettings,
        *,
        http: httpx.AsyncClient | None = None,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
        max_rate_limit_waits: int = 3,
    ) -> None:
        self._app_key = settings.app_key
        self._app_secret = settings.app_secret.get_secret_value()
        self._http = http or httpx.AsyncClient(
            base_url=settings.api_base_url, timeout=settings.timeout_seconds
        )
        self._limiter = limiter or RateLimiter(settings.qps_per_api)
        self._clock = clock
        self._max_rate_limit_waits = max_rate_limit_waits
        self._order_detail = Api("GET", ORDER_DETAIL.at(settings.api_versions))
        self._product_search = Api("POST", PRODUCT_SEARCH.at(settings.api_versions))

    async def __aenter__(self) -> TikTokShopClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- the one place requests are built ------------------------------------------------------

    def build_request(
        self,
        api: Api,
        *,
        access_token: str,
        cipher: str | None = None,
        path_params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        body: BaseModel | dict[str, Any] | None = None,
    ) -> httpx.Request:
        """A signed request. The body is serialised once and those exact bytes are signed and sent."""
        path = api.path.format(**(path_params or {}))
        params = {key: _query_value(value) for key, value in (query or {}).items() if value is not None}
        params["app_key"] = self._app_key
        params["timestamp"] = str(int(self._clock()))
        if api.shop_scoped:
            if not cipher:
                raise ValueError(f"{api.path} is shop-scoped and needs a shop_cipher")
            params["shop_cipher"] = cipher
        content = _json_bytes(body)
        params["sign"] = sign_request(self._app_secret, path, params, content)
        return self._http.build_request(
            api.method,
            path,
            params=params,
            content=content,
            headers={"content-type": "application/json", "x-tts-access-token": access_token},
        )

    async def call(
        self,
        api: Api,
        model: type[M],
        *,
        access_token: str,
        shop: m.ShopCredentials | None = None,
        path_params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        body: BaseModel | dict[str, Any] | None = None,
    ) -> M:
        limiter_key = shop.shop_id if shop else self._app_key
        waits = 0
        while True:
            await self._limiter.acquire(limiter_key, api.path)
            request = self.build_request(
                api,
                access_token=access_token,
                cipher=shop.cipher if shop else None,
                path_params=path_params,
                query=query,
                body=body,
            )
            try:
                return unwrap(await send(self._http, request), model)
            except RateLimitedError as exc:
                self._limiter.pause(limiter_key, api.path, exc.retry_after)
                waits += 1
                if waits > self._max_rate_limit_waits:
                    raise

    async def _shop_call(
        self,
        shop: m.ShopCredentials,
        api: Api,
        model: type[M],
        *,
        path_params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        body: BaseModel | dict[str, Any] | None = None,
    ) -> M:
        return await self.call(
            api,
            model,
            access_token=shop.access_token,
            shop=shop,
            path_params=path_params,
            query=query,
            body=body,
        )

    # --- authorization -------------------------------------------------------------------------

    async def get_authorized_shops(self, access_token: str) -> list[m.AuthorizedShop]:
        return (await self.call(AUTHORIZED_SHOPS, _Shops, access_token=access_token)).shops

    # --- orders --------------------------------------------------------------------------------

    async def search_orders(
        self,
        shop: m.ShopCredentials,
        search: m.OrderSearch | None = None,
        *,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: str = "update_time",
        sort_order: str = "ASC",
    ) -> m.OrderPage:
        _check_page_size(page_size, 1, 100)
        return await self._shop_call(
            shop,
            ORDER_SEARCH,
            m.OrderPage,
            query={
                "page_size": page_size,
                "page_token": page_token,
                "sort_field": sort_field,
                "sort_order": sort_order,
            },
            body=search or m.OrderSearch(),
        )

    def iter_order_pages(
        self, shop: m.ShopCredentials, search: m.OrderSearch | None = None, *, page_size: int = 50
    ) -> AsyncIterator[m.OrderPage]:
        return pages(lambda token: self.search_orders(shop, search, page_size=page_size, page_token=token))

    async def get_orders(self, shop: m.ShopCredentials, order_ids: Sequence[str]) -> list[m.Order]:
        """Order detail for any number of ids, fetched 50 at a time (TikTok's maximum per call)."""
        found: list[m.Order] = []
        for batch in chunks(order_ids, ORDER_DETAIL_MAX_IDS):
            page = await self._shop_call(shop, self._order_detail, _Orders, query={"ids": ",".join(batch)})
            found.extend(page.orders)
        return found

    # --- fulfillment ---------------------------------------------------------------------------

    async def mark_package_shipped(
        self,
        shop: m.ShopCredentials,
        order_id: str,
        *,
        tracking_number: str,
        shipping_provider_id: str,
        order_line_item_ids: Sequence[str] | None = None,
    ) -> m.ShippedPackage:
        """Seller shipping: tell TikTok the carrier and tracking number of the order's package."""
        body: dict[str, Any] = {
            "tracking_number": tracking_number,
            "shipping_provider_id": shipping_provider_id,
        }
        if order_line_item_ids:
            body["order_line_item_ids"] = list(order_line_item_ids)
        return await self._shop_call(
            shop, MARK_PACKAGE_SHIPPED, m.ShippedPackage, path_params={"order_id": order_id}, body=body
        )

    async def ship_package(
        self,
        shop: m.ShopCredentials,
        package_id: str,
        *,
        handover_method: str = "DROP_OFF",
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
    ) -> None:
        """Ship a package; `tracking_number` + provider make it a self-shipment (SEND_BY_SELLER)."""
        body: dict[str, Any] = {"handover_method": handover_method}
        if tracking_number:
            body["self_shipment"] = {
                "tracking_number": tracking_number,
                "shipping_provider_id": shipping_provider_id,
            }
        await self._shop_call(shop, SHIP_PACKAGE, m.Empty, path_params={"package_id": package_id}, body=body)

    async def update_shipping_info(
        self, shop: m.ShopCredentials, package_id: str, *, tracking_number: str, shipping_provider_id: str
    ) -> None:
        """Replace the tracking number TikTok holds for a package we shipped (a new label, same package)."""
        body = {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}
        await self._shop_call(
            shop, UPDATE_SHIPPING_INFO, m.Empty, path_params={"package_id": package_id}, body=body
        )

    async def get_package(self, shop: m.ShopCredentials, package_id: str) -> m.Package:
        return await self._shop_call(shop, PACKAGE_DETAIL, m.Package, path_params={"package_id": package_id})

    async def get_split_attributes(
        self, shop: m.ShopCredentials, order_ids: Sequence[str]
    ) -> list[m.SplitAttributes]:
        """Whether each order may be split now (`can_split`, `reason`) and whether TikTok requires it."""
        found = await self._shop_call(
            shop, SPLIT_ATTRIBUTES, _SplitAttributes, query={"order_ids": ",".join(order_ids)}
        )
        return found.split_attributes

    async def split_order(
        self, shop: m.ShopCredentials, order_id: str, groups: Sequence[m.SplitGroup]
    ) -> list[m.SplitPackage]:
        """Split an order into one package per group; TikTok answers each group's new package id."""
        body = {"splittable_groups": [group.model_dump() for group in groups]}
        made = await self._shop_call(
            shop, SPLIT_ORDER, _SplitPackages, path_params={"order_id": order_id}, body=body
        )
        return made.packages

    async def search_packages(
        self,
        shop: m.ShopCredentials,
        *,
        update_time_ge: int | None = None,
        package_status: str | None = None,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> m.PackagePage:
        _check_page_size(page_size, 1, 50)
        body = {"update_time_ge": update_time_ge, "package_status": package_status}
        return await self._shop_call(
            shop,
            PACKAGE_SEARCH,
            m.PackagePage,
            query={"page_size": page_size, "page_token": page_token},
            body={key: value for key, value in body.items() if value is not None},
        )

    async def get_order_tracking(self, shop: m.ShopCredentials, order_id: str) -> list[m.OrderTrackingEvent]:
        tracking = await self._shop_call(shop, ORDER_TRACKING, _Tracking, path_params={"order_id": order_id})
        return tracking.tracking

    async def get_shipping_document(
        self,
        shop: m.ShopCredentials,
        package_id: str,
        *,
        document_type: str = "SHIPPING_LABEL",
        document_size: str = "A6",
    ) -> m.ShippingDocument:
        """TikTok-issued label (TikTok shipping only); `doc_url` stays valid for 24 hours."""
        return await self._shop_call(
            shop,
            SHIPPING_DOCUMENT,
            m.ShippingDocument,
            path_params={"package_id": package_id},
            query={"document_type": document_type, "document_size": document_size},
        )

    async def download_document(self, url: str) -> bytes:
        """The file behind a shipping document's `doc_url`: a plain, unsigned GET (the link is the
        credential), not rate-limited as an Open API call. An expired or unknown link is
        `DocumentLinkExpiredError`; fetch the document again for a fresh link."""
        try:
            response = await self._http.get(url)
        except httpx.TransportError as exc:
            raise TransientError(f"shipping document unreachable: {exc}") from exc
        status = response.status_code
        if status in EXPIRED_LINK_STATUSES:
            raise DocumentLinkExpiredError("the shipping document link has expired", http_status=status)
        if status == 429 or status >= 500:
            raise TransientError("the shipping document host failed", http_status=status)
        if status != 200:
            raise TikTokError("the shipping document could not be downloaded", http_status=status)
        return response.content

    async def get_eligible_shipping_services(
        self, shop: m.ShopCredentials, order_id: str, query: m.EligibleServicesQuery
    ) -> m.EligibleShippingServices:
        """TikTok Shipping's services for the order's package as described, with estimated prices."""
        return await self._shop_call(
            shop,
            ELIGIBLE_SHIPPING_SERVICES,
            m.EligibleShippingServices,
            path_params={"order_id": order_id},
            body=query,
        )

    async def create_package(
        self, shop: m.ShopCredentials, request: m.CreatePackageRequest
    ) -> m.CreatedPackage:
        """Buy TikTok's label for the order with the chosen shipping service. Not idempotent on TikTok's
        side: a second call for a labelled order is `LabelAlreadyPurchasedError`."""
        return await self._shop_call(shop, CREATE_PACKAGES, m.CreatedPackage, body=request)

    # --- logistics -----------------------------------------------------------------------------

    async def get_warehouses(self, shop: m.ShopCredentials) -> list[m.Warehouse]:
        return (await self._shop_call(shop, WAREHOUSES, _Warehouses)).warehouses

    async def get_delivery_options(
        self, shop: m.ShopCredentials, warehouse_id: str
    ) -> list[m.DeliveryOption]:
        options = await self._shop_call(
            shop, DELIVERY_OPTIONS, _DeliveryOptions, path_params={"warehouse_id": warehouse_id}
        )
        return options.delivery_options

    async def get_shipping_providers(
        self, shop: m.ShopCredentials, delivery_option_id: str
    ) -> list[m.ShippingProvider]:
        providers = await self._shop_call(
            shop,
            SHIPPING_PROVIDERS,
            _ShippingProviders,
            path_params={"delivery_option_id": delivery_option_id},
        )
        return providers.shipping_providers

    # --- products ------------------------------------------------------------------------------

    async def search_products(
        self,
        shop: m.ShopCredentials,
        *,
        status: str = "ACTIVATE",
        page_size: int = 50,
        page_token: str | None = None,
    ) -> m.ProductPage:
        _check_page_size(page_size, 1, 100)
        return await self._shop_call(
            shop,
            self._product_search,
            m.ProductPage,
            query={"page_size": page_size, "page_token": page_token},
            body={"status": status},
        )

    async def get_product(self, shop: m.ShopCredentials, product_id: str) -> m.Product:
        return await self._shop_call(shop, PRODUCT_DETAIL, m.Product, path_params={"product_id": product_id})

    async def update_inventory(
        self, shop: m.ShopCredentials, product_id: str, skus: Sequence[m.SkuInventory]
    ) -> list[m.ItemError]:
        """Set stock. TikTok can refuse single SKUs while answering code 0; those come back as a list."""
        if not skus:
            raise ValueError("an inventory update needs at least one SKU")
        for sku in skus:
            for stock in sku.inventory:
                if not 0 <= stock.quantity <= 99999:
                    raise ValueError(f"SKU {sku.id}: quantity {stock.quantity} is outside 0..99999")
        answer = await self._shop_call(
            shop,
            INVENTORY_UPDATE,
            _ItemErrors,
            path_params={"product_id": product_id},
            body={"skus": [sku.model_dump() for sku in skus]},
        )
        return answer.errors

    async def activate_products(
        self, shop: m.ShopCredentials, product_ids: Sequence[str]
    ) -> list[m.ItemError]:
        """Put seller-deactivated products back on sale; refused ones come back as a list."""
        return await self._set_products_status(shop, PRODUCTS_ACTIVATE, product_ids)

    async def deactivate_products(
        self, shop: m.ShopCredentials, product_ids: Sequence[str]
    ) -> list[m.ItemError]:
        """Take products off sale (they become SELLER_DEACTIVATED); refused ones come back as a list."""
        return await self._set_products_status(shop, PRODUCTS_DEACTIVATE, product_ids)

    async def _set_products_status(
        self, shop: m.ShopCredentials, api: Api, product_ids: Sequence[str]
    ) -> list[m.ItemError]:
        """Any number of products, 20 a call (TikTok's maximum)."""
        errors: list[m.ItemError] = []
        for batch in chunks(product_ids, PRODUCT_STATUS_MAX_IDS):
            errors += (await self._shop_call(shop, api, _ItemErrors, body={"product_ids": batch})).errors
        return errors

    # --- returns and cancellations -------------------------------------------------------------

    async def search_returns(
        self,
        shop: m.ShopCredentials,
        search: m.AfterSaleSearch | None = None,
        *,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> m.ReturnPage:
        _check_page_size(page_size, 10, 50)
        return await self._shop_call(
            shop,
            RETURN_SEARCH,
            m.ReturnPage,
            query={"page_size": page_size, "page_token": page_token, "sort_field": "update_time"},
            body=search or m.AfterSaleSearch(),
        )

    async def approve_return(
        self,
        shop: m.ShopCredentials,
        return_id: str,
        *,
        decision: str,
        idempotency_key: str,
        buyer_keep_item: bool | None = None,
    ) -> None:
        body: dict[str, Any] = {"decision": decision}
        if buyer_keep_item is not None:
            body["buyer_keep_item"] = buyer_keep_item
        await self._shop_call(
            shop,
            RETURN_APPROVE,
            m.Empty,
            path_params={"return_id": return_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    async def reject_return(
        self,
        shop: m.ShopCredentials,
        return_id: str,
        *,
        decision: str,
        reject_reason: str,
        idempotency_key: str,
        comment: str | None = None,
    ) -> None:
        body = {"decision": decision, "reject_reason": reject_reason}
        if comment:
            body["comment"] = comment
        await self._shop_call(
            shop,
            RETURN_REJECT,
            m.Empty,
            path_params={"return_id": return_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    async def search_cancellations(
        self,
        shop: m.ShopCredentials,
        search: m.AfterSaleSearch | None = None,
        *,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> m.CancellationPage:
        _check_page_size(page_size, 1, 50)
        return await self._shop_call(
            shop,
            CANCELLATION_SEARCH,
            m.CancellationPage,
            query={"page_size": page_size, "page_token": page_token, "sort_field": "update_time"},
            body=search or m.AfterSaleSearch(),
        )

    async def approve_cancellation(
        self, shop: m.ShopCredentials, cancel_id: str, *, idempotency_key: str
    ) -> None:
        await self._shop_call(
            shop,
            CANCELLATION_APPROVE,
            m.Empty,
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
        )

    async def reject_cancellation(
        self,
        shop: m.ShopCredentials,
        cancel_id: str,
        *,
        reject_reason: str,
        idempotency_key: str,
        comment: str | None = None,
    ) -> None:
        body = {"reject_reason": reject_reason}
        if comment:
            body["comment"] = comment
        await self._shop_call(
            shop,
            CANCELLATION_REJECT,
            m.Empty,
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    async def cancel_order(
        self, shop: m.ShopCredentials, order_id: str, *, cancel_reason: str
    ) -> m.SellerCancellation:
        """Seller-initiated cancellation of a whole order."""
        return await self._shop_call(
            shop,
            CANCEL_ORDER,
            m.SellerCancellation,
            body={"order_id": order_id, "cancel_reason": cancel_reason},
        )

    # --- finance -------------------------------------------------------------------------------

    async def get_statements(
        self,
        shop: m.ShopCredentials,
        *,
        statement_time_ge: int | None = None,
        statement_time_lt: int | None = None,
        page_size: int = 20,
        page_token: str | None = None,
    ) -> m.StatementPage:
        _check_page_size(page_size, 1, 100)
        return await self._shop_call(
            shop,
            STATEMENTS,
            m.StatementPage,
            query={
                "sort_field": "statement_time",
                "sort_order": "ASC",
                "page_size": page_size,
                "page_token": page_token,
                "statement_time_ge": statement_time_ge,
                "statement_time_lt": statement_time_lt,
            },
        )

    def iter_statement_pages(
        self, shop: m.ShopCredentials, *, statement_time_ge: int | None = None, page_size: int = 20
    ) -> AsyncIterator[m.StatementPage]:
        return pages(
            lambda token: self.get_statements(
                shop, statement_time_ge=statement_time_ge, page_size=page_size, page_token=token
            )
        )

    async def get_statement_transactions(
        self,
        shop: m.ShopCredentials,
        statement_id: str,
        *,
        page_size: int = 100,
        page_token: str | None = None,
    ) -> m.StatementTransactionPage:
        _check_page_size(page_size, 1, 100)
        return await self._shop_call(
            shop,
            STATEMENT_TRANSACTIONS,
            m.StatementTransactionPage,
            path_params={"statement_id": statement_id},
            query={
                "sort_field": "order_create_time",
                "sort_order": "ASC",
                "page_size": page_size,
                "page_token": page_token,
            },
        )

    async def statement_transactions(
        self, shop: m.ShopCredentials, statement_id: str
    ) -> list[m.StatementTransaction]:
        """Every transaction of one statement, all pages."""
        found: list[m.StatementTransaction] = []
        async for page in pages(
            lambda token: self.get_statement_transactions(shop, statement_id, page_token=token)
        ):
            found.extend(page.transactions)
        return found

    async def get_order_transactions(self, shop: m.ShopCredentials, order_id: str) -> m.OrderTransactions:
        return await self._shop_call(
            shop, ORDER_TRANSACTIONS, m.OrderTransactions, path_params={"order_id": order_id}
        )


def _json_bytes(body: BaseModel | dict[str, Any] | None) -> bytes:
    if body is None:
        return b""
    payload = body.model_dump(mode="json", exclude_none=True) if isinstance(body, BaseModel) else body
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_page_size(page_size: int, low: int, high: int) -> None:
    if not low <= page_size <= high:
        raise ValueError(f"page_size must be within {low}..{high}, got {page_size}")


def _idempotency_key(key: str) -> str:
    if not 0 < len(key) <= 255:
        raise ValueError("idempotency_key must be 1..255 characters")
    return key


def chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    """`ids` in lists of at most `size`: TikTok caps how many ids one call takes."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
