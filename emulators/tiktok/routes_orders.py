"""Open API routes for orders and fulfillment (reference §5.2, §5.3), and the label files of `doc_url`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from emulators.label_files import label_pdf
from emulators.tiktok.gateway import Gateway, ShopCall
from emulators.tiktok.wire_envelope import ok
from emulators.tiktok.wire_errors import invalid_request
from emulators.tiktok.wire_models import Order, Package, money
from emulators.tiktok.wire_pagination import PageRequest, Paginator, SortOrder, page_request
from emulators.tiktok.wire_schemas import (
    CombinablePackage,
    CombinableSearchData,
    CombineBody,
    CombineData,
    CreatedPackageData,
    CreatePackagesBody,
    DocumentType,
    EligibleServicesBody,
    EligibleServicesData,
    MarkShippedBody,
    MarkShippedData,
    OrdersData,
    OrderSearchBody,
    OrderSearchData,
    PackageDetail,
    PackageSearchBody,
    PackageSearchData,
    PackageSummary,
    ShipPackageBody,
    ShippingDocumentData,
    ShippingInfoBody,
    ShippingServiceData,
    SplitAttributesData,
    SplitOrderBody,
    SplitOrderData,
    TrackingData,
    UncombineBody,
    UncombineData,
)
from emulators.tiktok.world import World
from emulators.tiktok.world_fulfillment import PricedService, tiktok_carrier

MAX_ORDER_IDS = 50
DOC_URL_TTL_SECONDS = 24 * 3600
LABEL_PATH = "/sandbox-files/shipping_documents"


def orders_router(world: World, gateway: Gateway, paginator: Paginator) -> APIRouter:
    router = APIRouter()
    orders = world.orders

    @router.post("/order/202309/orders/search")
    async def search_orders(
        body: OrderSearchBody | None = None,
        paging: PageRequest = Depends(page_request(1, 100)),
        sort_field: Literal["create_time", "update_time"] = "create_time",
        sort_order: SortOrder = "DESC",
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = paginator.search(
            f"{call.shop.id}|orders|{sort_field}",
            paging,
            body or OrderSearchBody(),
            orders.of_shop(call.shop),
            key=lambda o: (getattr(o, sort_field), o.id),
            sort_order=sort_order,
        )
        found = [order.public_view() for order in page.items]
        return ok(
            OrderSearchData(next_page_token=page.next_page_token, total_count=page.total_count, orders=found)
        )

    # 202507 dropped two SEA-only fields of 202309 (`fulfillment_priority_level`, `recommended_shipping_time`,
    # reference §5.2); the emulator's shops are US and GB, so both versions answer the same order.
    @router.get("/order/202309/orders")
    @router.get("/order/202507/orders")
    async def get_order_detail(ids: str, call: ShopCall = Depends(gateway.shop_call)) -> JSONResponse:
        order_ids = [i.strip() for i in ids.split(",") if i.strip()]
        if not 1 <= len(order_ids) <= MAX_ORDER_IDS:
            raise invalid_request(f"Invalid ids: give 1 to {MAX_ORDER_IDS} comma-separated order ids.")
        return ok(OrdersData(orders=[orders.order(call.shop, i).public_view() for i in order_ids]))

    @router.post("/fulfillment/202309/orders/{order_id}/packages")
    async def mark_package_as_shipped(
        order_id: str, body: MarkShippedBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        package = world.fulfillment.mark_shipped(
            call.shop, order_id, body.tracking_number, body.shipping_provider_id, body.order_line_item_ids
        )
        return ok(
            MarkShippedData(
                order_id=order_id, order_line_item_ids=package.line_item_ids, package_id=package.id
            )
        )

    @router.post("/fulfillment/202309/packages/{package_id}/shipping_info/update")
    async def update_shipping_info(
        package_id: str, body: ShippingInfoBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        world.fulfillment.update_shipping_info(
            call.shop, package_id, body.tracking_number, body.shipping_provider_id
        )
        return ok()

    @router.get("/fulfillment/202309/orders/split_attributes")
    async def get_order_split_attributes(
        order_ids: str, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        wanted = [i.strip() for i in order_ids.split(",") if i.strip()]
        if not 1 <= len(wanted) <= MAX_ORDER_IDS:
            raise invalid_request(f"Invalid order_ids: give 1 to {MAX_ORDER_IDS} comma-separated order ids.")
        return ok(
            SplitAttributesData(split_attributes=[world.splits.attributes(call.shop, i) for i in wanted])
        )

    @router.post("/fulfillment/202309/orders/{order_id}/split")
    async def split_orders(
        order_id: str, body: SplitOrderBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        return ok(SplitOrderData(packages=world.splits.split(call.shop, order_id, body.splittable_groups)))

    @router.get("/fulfillment/202309/combinable_packages/search")
    async def search_combinable_packages(
        paging: PageRequest = Depends(page_request(1, 50)), call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        page = paginator.search(
            f"{call.shop.id}|combinable",
            paging,
            EveryCombinable(),
            world.combines.combinable(call.shop),
            key=lambda combinable: (combinable.id,),
            sort_order="ASC",
        )
        return ok(
            CombinableSearchData(
                combinable_packages=page.items,
                next_page_token=page.next_page_token,
                total_count=page.total_count,
            )
        )

    @router.post("/fulfillment/202309/packages/combine")
    async def combine_packages(
        body: CombineBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        made, errors = world.combines.combine(call.shop, body.combinable_packages)
        return ok(CombineData(packages=made, errors=errors))

    @router.post("/fulfillment/202309/packages/{package_id}/uncombine")
    async def uncombine_package(
        package_id: str, body: UncombineBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        return ok(UncombineData(packages=world.combines.uncombine(call.shop, package_id, body.order_ids)))

    @router.post("/fulfillment/202309/packages/{package_id}/ship")
    async def ship_package(
        package_id: str, body: ShipPackageBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        shipment = body.self_shipment
        world.fulfillment.ship_package(
            call.shop,
            package_id,
            body.handover_method,
            shipment.tracking_number if shipment else None,
            shipment.shipping_provider_id if shipment else None,
        )
        return ok()

    @router.post("/fulfillment/202309/orders/{order_id}/shipping_services/query")
    async def get_eligible_shipping_services(
        order_id: str, body: EligibleServicesBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        quotes = world.fulfillment.eligible_services(call.shop, order_id, body.weight, body.dimension)
        order = orders.order(call.shop, order_id)
        return ok(
            EligibleServicesData(
                order_id=order.id,
                order_line_id=body.order_line_item_ids or [item.id for item in order.line_items],
                weight=body.weight,
                dimension=body.dimension,
                shipping_services=[_service_data(quote, with_default=True) for quote in quotes],
            )
        )

    @router.post("/fulfillment/202309/packages")
    async def create_packages(
        body: CreatePackagesBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        package, bought = world.fulfillment.create_package(
            call.shop, body.order_id, body.shipping_service_id, body.weight, body.dimension
        )
        return ok(
            CreatedPackageData(
                order_id=package.order_id,
                order_line_item_ids=package.line_item_ids,
                dimension=body.dimension,
                shipping_service_info=_service_data(bought, with_default=False),
                package_id=package.id,
                weight=body.weight,
                create_time=package.update_time,
            )
        )

    @router.get("/fulfillment/202309/packages/{package_id}")
    async def get_package_detail(
        package_id: str, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        package = world.fulfillment.package(call.shop, package_id)
        order = orders.order(call.shop, package.order_id).public_view()
        return ok(PackageDetail.of(package, order.recipient_address))

    @router.post("/fulfillment/202309/packages/search")
    async def search_packages(
        body: PackageSearchBody | None = None,
        paging: PageRequest = Depends(page_request(1, 50)),
        sort_field: Literal["create_time", "update_time", "order_pay_time"] = "create_time",
        sort_order: SortOrder = "DESC",
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        def sort_key(package: Package) -> tuple[int, str]:
            if sort_field == "order_pay_time":
                return (orders.orders[package.order_id].paid_time or 0, package.id)
            return (getattr(package, sort_field), package.id)

        page = paginator.search(
            f"{call.shop.id}|packages|{sort_field}",
            paging,
            body or PackageSearchBody(),
            (p for p in orders.packages.values() if p.shop_id == call.shop.id),
            key=sort_key,
            sort_order=sort_order,
        )
        summaries = [PackageSummary.of(package) for package in page.items]
        return ok(
            PackageSearchData(
                packages=summaries, next_page_token=page.next_page_token, total_count=page.total_count
            )
        )

    @router.get("/fulfillment/202309/orders/{order_id}/tracking")
    async def get_tracking(order_id: str, call: ShopCall = Depends(gateway.shop_call)) -> JSONResponse:
        return ok(TrackingData(tracking=world.fulfillment.tracking(orders.order(call.shop, order_id))))

    @router.get("/fulfillment/202309/packages/{package_id}/shipping_documents")
    async def get_shipping_document(
        request: Request,
        package_id: str,
        document_type: DocumentType,
        document_size: Literal["A6", "A5"] = "A6",
        document_format: Literal["PDF", "ZPL"] = "PDF",
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        package = world.fulfillment.shipping_document(call.shop, package_id)
        expires = world.clock.now() + DOC_URL_TTL_SECONDS
        doc_url = f"{str(request.base_url).rstrip('/')}{LABEL_PATH}/{package.id}.pdf?expires={expires}"
        return ok(ShippingDocumentData(doc_url=doc_url, tracking_number=package.tracking_number))

    @router.get(LABEL_PATH + "/{package_id}.pdf", include_in_schema=False)
    async def download_shipping_document(package_id: str, expires: int) -> Response:
        """The file behind `doc_url`: like TikTok's CDN link, unsigned and valid for 24 hours."""
        package = orders.packages.get(package_id)
        if package is None or world.clock.now() > expires:
            return Response("This document link is invalid or has expired.", status_code=403)
        return Response(
            label_pdf(_label_lines(package, orders.orders[package.order_id])), media_type="application/pdf"
        )

    return router


class EveryCombinable(BaseModel):
    """Search Combinable Packages takes no filters."""

    def admits(self, item: CombinablePackage) -> bool:
        return True


def _service_data(quote: PricedService, *, with_default: bool) -> ShippingServiceData:
    """A service as TikTok lists it; `is_default` is on Get Eligible Shipping Service's answer only."""
    service = quote.service
    return ShippingServiceData(
        id=service.id,
        name=service.name,
        price=money(quote.price),
        currency=quote.currency,
        earliest_delivery_days=service.earliest_days,
        latest_delivery_days=service.latest_days,
        is_default=quote.is_default if with_default else None,
        shipping_provider_name=service.provider_name,
        shipping_provider_id=service.provider_id,
    )


def _label_lines(package: Package, order: Order) -> list[str]:
    address = order.recipient_address
    recipient = [address.name, address.address_line1, address.full_address] if address else []
    return [
        f"TikTok Shipping - {tiktok_carrier(package).name}",
        f"Tracking: {package.tracking_number}",
        f"Order: {order.id}",
        *recipient,
    ]
