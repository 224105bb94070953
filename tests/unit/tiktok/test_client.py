"""Our TikTok Shop client against the emulator, over real HTTP, for every method and the failure modes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from creatorflow.config import TikTokSettings
from creatorflow.sandbox.server import BackgroundServer
from creatorflow.sandbox.tiktok import TikTokEmulatorConfig, create_app
from creatorflow.sandbox.tiktok_control import TikTokSandboxControl
from creatorflow.tiktok import errors
from creatorflow.tiktok.auth import TikTokAuthClient
from creatorflow.tiktok.client import ORDER_SEARCH, Api, TikTokShopClient
from creatorflow.tiktok.models import (
    AfterSaleSearch,
    OrderSearch,
    ShopCredentials,
    SkuInventory,
    WarehouseStock,
)
from creatorflow.tiktok.ratelimit import RateLimiter

APP = {"app_key": "client_test_key", "app_secret": "client_test_secret", "service_id": "client_test_service"}


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    config = TikTokEmulatorConfig.model_validate(
        {
            **APP,
            "redirect_url": "https://app.example/oauth/callback",
            "gateway": {"timeout_hang_seconds": 1.0},
        }
    )
    with BackgroundServer(create_app(config)) as server:
        yield server.url


def settings_for(url: str, **changes: object) -> TikTokSettings:
    return TikTokSettings(
        app_key=APP["app_key"],
        app_secret=SecretStr(APP["app_secret"]),
        service_id=APP["service_id"],
        api_base_url=url,
        auth_base_url=url,
        authorize_url=f"{url}/open/authorize",
    ).model_copy(update=changes)


@dataclass
class Seller:
    id: str
    shop: ShopCredentials
    refresh_token: str
    sku_ids: list[str]
    product_id: str
    warehouse_id: str


@pytest.fixture
async def control(emulator_url: str) -> AsyncIterator[TikTokSandboxControl]:
    control = TikTokSandboxControl(emulator_url)
    yield control
    await control.aclose()


@pytest.fixture
async def tiktok(emulator_url: str) -> AsyncIterator[TikTokShopClient]:
    async with TikTokShopClient(settings_for(emulator_url)) as client:
        yield client


@pytest.fixture
async def seller(emulator_url: str, control: TikTokSandboxControl, tiktok: TikTokShopClient) -> Seller:
    """A seller who authorized the app through TikTok's OAuth page, with one product of two SKUs."""
    created = await control.create_seller("Glow Lab")
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        redirect = await control.approve(auth.authorize_url("state-1"), created.id)
        assert redirect["state"] == "state-1"
        grant = await auth.get_token(redirect["code"])
    [shop] = await tiktok.get_authorized_shops(grant.access_token)
    assert shop.id == created.shops[0].id and shop.cipher == created.shops[0].cipher
    product = await control.create_product(
        shop.id,
        "Lip Oil",
        [
            {"seller_sku": "LIP-1", "price": "12.00", "stock": 5000},
            {"seller_sku": "LIP-2", "price": "14.00", "stock": 5000, "variant": "Rose"},
        ],
    )
    return Seller(
        id=created.id,
        shop=ShopCredentials(shop_id=shop.id, cipher=shop.cipher, access_token=grant.access_token),
        refresh_token=grant.refresh_token,
        sku_ids=[sku.id for sku in product.skus],
        product_id=product.id,
        warehouse_id=created.shops[0].sales_warehouse_id,
    )


# --- authorization -------------------------------------------------------------------------------


async def test_token_grant_has_absolute_expiries_and_refresh_works(emulator_url: str, seller: Seller) -> None:
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        refreshed = await auth.refresh_token(seller.refresh_token)
    now = time.time()
    assert 6.9 * 86400 < refreshed.access_token_expire_in - now <= 7 * 86400 + 5
    assert refreshed.refresh_token_expire_in > refreshed.access_token_expire_in


async def test_auth_code_is_single_use(emulator_url: str, control: TikTokSandboxControl) -> None:
    created = await control.create_seller()
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        redirect = await control.approve(auth.authorize_url("s"), created.id)
        await auth.get_token(redirect["code"])
        with pytest.raises(errors.AuthorizationGoneError) as reuse:
            await auth.get_token(redirect["code"])
    assert not reuse.value.retryable


async def test_denied_authorization_redirects_with_auth_denied(
    emulator_url: str, control: TikTokSandboxControl
) -> None:
    created = await control.create_seller()
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        redirect = await control.approve(auth.authorize_url("s2"), created.id, deny=True)
    assert redirect["error"] == "auth_denied" and redirect["state"] == "s2"


async def test_expired_token_then_refresh(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    await control.expire_token(seller.shop.access_token)
    with pytest.raises(errors.TokenExpiredError):
        await tiktok.get_warehouses(seller.shop)
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        fresh = await auth.refresh_token(seller.refresh_token)
    shop = seller.shop.model_copy(update={"access_token": fresh.access_token})
    assert await tiktok.get_warehouses(shop)


async def test_unknown_token_is_invalid_not_expired(seller: Seller, tiktok: TikTokShopClient) -> None:
    with pytest.raises(errors.InvalidTokenError):
        await tiktok.get_warehouses(seller.shop.model_copy(update={"access_token": "ROW_forged"}))


# --- signing and contract errors -------------------------------------------------------------------


async def test_wrong_secret_is_a_signature_error(emulator_url: str, seller: Seller) -> None:
    async with TikTokShopClient(settings_for(emulator_url, app_secret=SecretStr("not-the-secret"))) as client:
        with pytest.raises(errors.SignatureError) as failure:
            await client.get_warehouses(seller.shop)
    assert failure.value.code == 106001 and not failure.value.retryable


async def test_stale_timestamp_is_refused(emulator_url: str, seller: Seller) -> None:
    async with TikTokShopClient(settings_for(emulator_url), clock=lambda: time.time() - 600) as client:
        with pytest.raises(errors.RequestError) as failure:
            await client.get_warehouses(seller.shop)
    assert failure.value.code == 36009004


async def test_missing_cipher_is_refused(seller: Seller, tiktok: TikTokShopClient) -> None:
    without_cipher = Api(ORDER_SEARCH.method, ORDER_SEARCH.path, shop_scoped=False)
    with pytest.raises(errors.RequestError) as failure:
        await tiktok.call(without_cipher, OrderSearch, access_token=seller.shop.access_token, body={})
    assert failure.value.code == 106013


# --- orders ----------------------------------------------------------------------------------------


async def test_paging_1000_orders_returns_each_exactly_once(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    created = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], count=1000)
    seen: list[str] = []
    pages = 0
    async for page in tiktok.iter_order_pages(seller.shop, page_size=100):
        pages += 1
        assert page.total_count == 1000
        seen += [order.id for order in page.orders]
    assert pages == 10
    assert sorted(seen) == sorted(order["id"] for order in created)


async def test_page_size_outside_1_to_100_is_refused_before_sending(
    seller: Seller, tiktok: TikTokShopClient
) -> None:
    for size in (0, 101):
        with pytest.raises(ValueError, match="page_size"):
            await tiktok.search_orders(seller.shop, page_size=size)


async def test_search_filters_by_status(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], count=3, on_hold=False)
    await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], count=2, paid=False)
    page = await tiktok.search_orders(seller.shop, OrderSearch(order_status="UNPAID"), page_size=50)
    assert page.total_count == 2 and {order.status for order in page.orders} == {"UNPAID"}


async def test_order_detail_batches_by_50(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    created = await control.create_orders(seller.shop.shop_id, seller.sku_ids[1], count=120, on_hold=False)
    before = len(await control.ledger("/order/202309/orders"))
    orders = await tiktok.get_orders(seller.shop, [order["id"] for order in created])
    assert len(await control.ledger("/order/202309/orders")) - before == 3
    assert [order.id for order in orders] == [order["id"] for order in created]
    first = orders[0]
    assert first.status == "AWAITING_SHIPMENT" and first.recipient_address and first.recipient_address.name
    assert first.line_items[0].sku_id == seller.sku_ids[1] and first.payment and first.payment.total_amount


async def test_on_hold_orders_hide_the_recipient(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0])
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert order.status == "ON_HOLD"
    assert order.recipient_address is None


# --- fulfillment -----------------------------------------------------------------------------------


async def test_ship_with_tracking_once_then_duplicates_are_typed(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    first, second = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], count=2, on_hold=False
    )
    providers = await tiktok.get_shipping_providers(seller.shop, first["delivery_option_id"])
    usps = next(p for p in providers if p.name.upper().startswith("USPS"))

    shipped = await tiktok.mark_package_shipped(
        seller.shop, first["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps.id
    )
    assert shipped.package_id
    with pytest.raises(errors.PackageAlreadyShippedError):
        await tiktok.mark_package_shipped(
            seller.shop, first["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps.id
        )
    with pytest.raises(errors.DuplicateTrackingNumberError):
        await tiktok.mark_package_shipped(
            seller.shop, second["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps.id
        )
    package = await tiktok.get_package(seller.shop, shipped.package_id)
    assert package.tracking_number == "9400100000000000000001"
    [order] = await tiktok.get_orders(seller.shop, [first["id"]])
    assert order.status == "AWAITING_COLLECTION" and order.tracking_number == "9400100000000000000001"

    await control.act(first["id"], "carrier_scan")
    events = await tiktok.get_order_tracking(seller.shop, first["id"])
    assert events and all(event.update_time_millis > 10**12 for event in events)  # milliseconds
    found = await tiktok.search_packages(seller.shop, page_size=50)
    assert shipped.package_id in {p.id for p in found.packages}


async def test_tiktok_shipping_document_only_for_tiktok_shipping(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [tiktok_order] = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], on_hold=False, shipping_type="TIKTOK"
    )
    [seller_order] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    package_id = tiktok_order["packages"][0]["id"]
    await tiktok.ship_package(seller.shop, package_id, handover_method="DROP_OFF")
    document = await tiktok.get_shipping_document(seller.shop, package_id)
    assert document.tracking_number
    async with httpx.AsyncClient() as http:
        pdf = await http.get(document.doc_url)
    assert pdf.content.startswith(b"%PDF")
    with pytest.raises(errors.BusinessError):
        await tiktok.get_shipping_document(seller.shop, seller_order["packages"][0]["id"])


async def test_warehouses_options_and_providers(seller: Seller, tiktok: TikTokShopClient) -> None:
    warehouses = await tiktok.get_warehouses(seller.shop)
    assert {w.type for w in warehouses} >= {"SALES_WAREHOUSE", "RETURN_WAREHOUSE"}
    options = await tiktok.get_delivery_options(seller.shop, seller.warehouse_id)
    send_by_seller = next(option for option in options if option.type == "SEND_BY_SELLER")
    providers = await tiktok.get_shipping_providers(seller.shop, send_by_seller.id)
    assert len(providers) >= 3
    tiktok_shipping = next(option for option in options if option.type != "SEND_BY_SELLER")
    with pytest.raises(errors.BusinessError) as failure:  # TikTok's own carriers: nothing to choose
        await tiktok.get_shipping_providers(seller.shop, tiktok_shipping.id)
    assert failure.value.code == 21008117


# --- products --------------------------------------------------------------------------------------


async def test_products_and_inventory_update(seller: Seller, tiktok: TikTokShopClient) -> None:
    page = await tiktok.search_products(seller.shop)
    assert [p.id for p in page.products] == [seller.product_id]
    product = await tiktok.get_product(seller.shop, seller.product_id)
    sku = product.skus[0]
    warehouse = sku.inventory[0].warehouse_id
    problems = await tiktok.update_inventory(
        seller.shop,
        seller.product_id,
        [SkuInventory(id=sku.id, inventory=[WarehouseStock(warehouse_id=warehouse, quantity=7)])],
    )
    assert problems == []
    updated = await tiktok.get_product(seller.shop, seller.product_id)
    assert updated.skus[0].inventory[0].quantity == 7
    with pytest.raises(ValueError, match="outside"):
        await tiktok.update_inventory(
            seller.shop,
            seller.product_id,
            [SkuInventory(id=sku.id, inventory=[WarehouseStock(warehouse_id=warehouse, quantity=100000)])],
        )


# --- returns, cancellations, finance ---------------------------------------------------------------


async def test_cancellation_approve_is_idempotent_by_key(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    # Past the remorse window a buyer's cancellation waits for the seller's decision.
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    await control.cancel_by_buyer(created["id"])
    page = await tiktok.search_cancellations(seller.shop, AfterSaleSearch(order_ids=[created["id"]]))
    [cancellation] = page.cancellations
    assert cancellation.cancel_status == "CANCELLATION_REQUEST_PENDING"
    for _ in range(2):  # a retry with the same key replays the first answer
        await tiktok.approve_cancellation(seller.shop, cancellation.cancel_id, idempotency_key="cancel-1")
    with pytest.raises(errors.BusinessError):  # a new decision on a decided request is refused
        await tiktok.approve_cancellation(seller.shop, cancellation.cancel_id, idempotency_key="cancel-2")
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert order.status == "CANCELLED"


async def test_refund_only_return_is_approved(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], status="DELIVERED")
    await control.open_return(created["id"], "REFUND")
    [request] = (
        await tiktok.search_returns(seller.shop, AfterSaleSearch(order_ids=[created["id"]]), page_size=10)
    ).return_orders
    await tiktok.approve_return(
        seller.shop, request.return_id, decision="APPROVE_REFUND", idempotency_key="r-1"
    )
    [after] = (
        await tiktok.search_returns(seller.shop, AfterSaleSearch(order_ids=[created["id"]]), page_size=10)
    ).return_orders
    assert after.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"


async def test_seller_cancels_an_order(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    cancellation = await tiktok.cancel_order(seller.shop, created["id"], cancel_reason="OUT_OF_STOCK")
    assert cancellation.cancel_id


async def test_statements_page(seller: Seller, tiktok: TikTokShopClient) -> None:
    page = await tiktok.get_statements(seller.shop, page_size=20)
    assert page.next_page_token == "" or isinstance(page.next_page_token, str)
    for statement in page.statements:
        assert statement.currency and statement.settlement_amount is not None


# --- rate limits and outages -----------------------------------------------------------------------


async def test_429_makes_the_client_back_off_until_it_gets_through(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    await control.configure_gateway(qps=5)
    try:
        # The client's own limiter is looser than the server's here, so the server's 429s must be absorbed.
        limiter = RateLimiter(50)
        async with TikTokShopClient(
            settings_for(emulator_url), limiter=limiter, max_rate_limit_waits=20
        ) as client:
            results = await asyncio.gather(*(client.get_warehouses(seller.shop) for _ in range(20)))
    finally:
        await control.configure_gateway(qps=50)
    assert all(results)
    statuses = [entry["status"] for entry in await control.ledger("/logistics/202309/warehouses")]
    assert 429 in statuses and statuses.count(200) >= 20


async def test_client_limiter_alone_keeps_under_the_server_limit(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    await control.configure_gateway(qps=10)
    try:
        async with TikTokShopClient(settings_for(emulator_url, qps_per_api=8.0)) as client:
            await asyncio.gather(*(client.get_warehouses(seller.shop) for _ in range(24)))
    finally:
        await control.configure_gateway(qps=50)
    statuses = [entry["status"] for entry in await control.ledger("/logistics/202309/warehouses")][-24:]
    assert 429 not in statuses


async def test_5xx_and_timeouts_are_transient(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    async with TikTokShopClient(settings_for(emulator_url, timeout_seconds=0.5)) as client:
        for kind in ("5xx", "timeout"):
            await control.set_faults(
                [{"path": "/logistics/202309/warehouses", "error_rate": 1.0, "kinds": [kind]}]
            )
            try:
                with pytest.raises(errors.TransientError) as failure:
                    await client.get_warehouses(seller.shop)
            finally:
                await control.set_faults([])
            assert failure.value.retryable
        assert await client.get_warehouses(seller.shop)
