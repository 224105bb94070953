"""Open API routes about the seller and the shop: authorized shops, webhooks, logistics, products.

Paths, parameters and response fields are reference §3.3, §5.1, §5.4, §5.5.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from emulators.tiktok.gateway import Gateway, SellerCall, ShopCall
from emulators.tiktok.settings import WebhookSettings
from emulators.tiktok.webhook_addresses import refusal
from emulators.tiktok.webhook_events import SUBSCRIBABLE_EVENT_TYPES
from emulators.tiktok.wire_envelope import ok
from emulators.tiktok.wire_errors import ApiError, Code, EmulatorCode, invalid_request
from emulators.tiktok.wire_models import Product, Shop
from emulators.tiktok.wire_pagination import Page, PageRequest, Paginator, page_request
from emulators.tiktok.wire_schemas import (
    ActiveShop,
    ActiveShopsData,
    DeliveryOptionsData,
    InventoryUpdateBody,
    InventoryUpdateData,
    ListedProduct,
    ListedProductV202309,
    ProductErrorsData,
    ProductIdsBody,
    ProductSearchBody,
    ProductSearchBodyV202309,
    ProductSearchData,
    ProductSearchDataV202309,
    ShippingProvidersData,
    ShopsData,
    WarehousesData,
    WebhookDeleteBody,
    WebhooksData,
    WebhookUpdateBody,
)
from emulators.tiktok.world import World


def shop_router(
    world: World, gateway: Gateway, paginator: Paginator, webhook_settings: Callable[[], WebhookSettings]
) -> APIRouter:
    """`webhook_settings` gives the live settings (the admin API can change them)."""
    router = APIRouter()
    catalog = world.catalog

    @router.get("/authorization/202309/shops")
    async def get_authorized_shops(call: SellerCall = Depends(gateway.seller_call)) -> JSONResponse:
        return ok(ShopsData(shops=catalog.shops_of(call.seller.id)))

    @router.get("/seller/202309/shops")
    async def get_active_shops(call: SellerCall = Depends(gateway.seller_call)) -> JSONResponse:
        shops = catalog.shops_of(call.seller.id)
        return ok(ActiveShopsData(shops=[ActiveShop(id=shop.id, region=shop.region) for shop in shops]))

    # --- Event API: per-shop webhook addresses --------------------------------------------------------------

    @router.get("/event/202309/webhooks")
    async def get_shop_webhooks(call: ShopCall = Depends(gateway.shop_call)) -> JSONResponse:
        webhooks = list(call.shop.webhooks.values())
        return ok(WebhooksData(webhooks=webhooks, total_count=len(webhooks)))

    @router.put("/event/202309/webhooks")
    async def update_shop_webhook(
        body: WebhookUpdateBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        _check_event_type(body.event_type)
        problem = refusal(body.address, allow_loopback=webhook_settings().allow_loopback_addresses)
        if problem:
            raise ApiError(EmulatorCode.WEBHOOK_ADDRESS_REFUSED, problem)
        catalog.subscribe(call.shop, body.event_type, body.address)
        return ok()

    @router.delete("/event/202309/webhooks")
    async def delete_shop_webhook(
        body: WebhookDeleteBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        _check_event_type(body.event_type)
        call.shop.webhooks.pop(body.event_type, None)  # success even if nothing was configured (§5.1)
        return ok()

    # --- logistics ------------------------------------------------------------------------------------------

    @router.get("/logistics/202309/warehouses")
    async def get_warehouses(call: ShopCall = Depends(gateway.shop_call)) -> JSONResponse:
        return ok(WarehousesData(warehouses=call.shop.warehouses))

    @router.get("/logistics/202309/warehouses/{warehouse_id}/delivery_options")
    async def get_delivery_options(
        warehouse_id: str, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        warehouse = catalog.warehouse(call.shop, warehouse_id)
        return ok(DeliveryOptionsData(delivery_options=warehouse.delivery_options))

    @router.get("/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers")
    async def get_shipping_providers(
        delivery_option_id: str, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        option = catalog.delivery_option(call.shop, delivery_option_id)
        if not option.sent_by_seller:
            raise ApiError(
                Code.TIKTOK_DELIVERY_OPTION,
                f"Delivery option {option.id} is TikTok Shipping: it has no providers to choose from.",
            )
        return ok(ShippingProvidersData(shipping_providers=option.shipping_providers))

    # --- products -------------------------------------------------------------------------------------------

    def product_page(shop: Shop, paging: PageRequest, body: ProductSearchBodyV202309) -> Page[Product]:
        return paginator.search(
            f"{shop.id}|products",
            paging,
            body,
            (p for p in catalog.products.values() if p.shop_id == shop.id),
            key=lambda p: (p.create_time, p.id),
            sort_order="DESC",
        )

    @router.post("/product/202309/products/search")
    async def search_products_v202309(
        body: ProductSearchBodyV202309 | None = None,
        paging: PageRequest = Depends(page_request(1, 100)),
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = product_page(call.shop, paging, body or ProductSearchBodyV202309())
        rows = [ListedProductV202309.of(product, call.shop.region) for product in page.items]
        found = ProductSearchDataV202309(
            products=rows, total_count=page.total_count, next_page_token=page.next_page_token
        )
        return ok(found)

    @router.post("/product/202502/products/search")
    async def search_products(
        body: ProductSearchBody | None = None,
        paging: PageRequest = Depends(page_request(1, 100)),
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = product_page(call.shop, paging, body or ProductSearchBody())
        rows = [ListedProduct.of(product, call.shop.region) for product in page.items]
        found = ProductSearchData(
            products=rows, total_count=page.total_count, next_page_token=page.next_page_token
        )
        return ok(found)

    @router.get("/product/202309/products/{product_id}")
    async def get_product(product_id: str, call: ShopCall = Depends(gateway.shop_call)) -> JSONResponse:
        return ok(catalog.product(call.shop, product_id))

    @router.post("/product/202309/products/{product_id}/inventory/update")
    async def update_inventory(
        product_id: str, body: InventoryUpdateBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        errors = catalog.update_inventory(call.shop, product_id, body.skus)
        return ok(InventoryUpdateData(errors=errors))

    @router.post("/product/202309/products/activate")
    async def activate_products(
        body: ProductIdsBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        return ok(ProductErrorsData(errors=catalog.set_on_sale(call.shop, body.product_ids, on_sale=True)))

    @router.post("/product/202309/products/deactivate")
    async def deactivate_products(
        body: ProductIdsBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        return ok(ProductErrorsData(errors=catalog.set_on_sale(call.shop, body.product_ids, on_sale=False)))

    return router


def _check_event_type(event_type: str) -> None:
    if event_type not in SUBSCRIBABLE_EVENT_TYPES:
        raise invalid_request(
            f"Invalid event_type {event_type!r}: use one of {sorted(SUBSCRIBABLE_EVENT_TYPES)}."
        )
