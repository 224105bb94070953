"""Our TikTok Shop client against the emulator, over real HTTP, for every method and the failure modes.

After-sales decisions (approve, reject, cancel) are in test_client_aftersales.py.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import pytest
from client_helpers import Seller, settings_for
from pydantic import SecretStr

from creatorflow.tiktok import errors
from creatorflow.tiktok.auth import TikTokAuthClient
from creatorflow.tiktok.client import ORDER_DETAIL, ORDER_SEARCH, Api, TikTokShopClient
from creatorflow.tiktok.models import OrderSearch, SkuInventory, WarehouseStock
from creatorflow.tiktok.ratelimit import RateLimiter
from creatorflow.tiktok.versions import ApiVersions
from emulators.tiktok.admin_client import TikTokSandboxControl

DAY = 24 * 3600
WAREHOUSES = "/logistics/202309/warehouses"


async def provider_id(tiktok: TikTokShopClient, seller: Seller, order: dict[str, object], name: str) -> str:
    """The id of carrier `name` among those the order's delivery option offers (what a seller ships with)."""
    providers = await tiktok.get_shipping_providers(seller.shop, str(order["delivery_option_id"]))
    return next(provider.id for provider in providers if provider.name == name)


# --- authorization -------------------------------------------------------------------------------


async def test_token_grant_has_absolute_expiries_and_refresh_works(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        refreshed = await auth.refresh_token(seller.refresh_token)
    now = await control.clock()  # TikTok's own clock, which tests in this module move forward
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
    detail = ORDER_DETAIL.at(ApiVersions())  # the default version
    before = len(await control.ledger(detail))
    orders = await tiktok.get_orders(seller.shop, [order["id"] for order in created])
    assert len(await control.ledger(detail)) - before == 3
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
    usps = await provider_id(tiktok, seller, first, "USPS")

    shipped = await tiktok.mark_package_shipped(
        seller.shop, first["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps
    )
    assert shipped.package_id
    with pytest.raises(errors.PackageAlreadyShippedError):
        await tiktok.mark_package_shipped(
            seller.shop, first["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps
        )
    with pytest.raises(errors.DuplicateTrackingNumberError):
        await tiktok.mark_package_shipped(
            seller.shop, second["id"], tracking_number="9400100000000000000001", shipping_provider_id=usps
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


async def test_a_shipped_packages_tracking_number_is_replaced_until_the_carrier_collects_it(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    first, second = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], count=2, on_hold=False
    )
    usps = await provider_id(tiktok, seller, first, "USPS")
    [unshipped] = (await tiktok.get_orders(seller.shop, [second["id"]]))[0].packages
    with pytest.raises(errors.BusinessError, match="not shipped"):
        await tiktok.update_shipping_info(
            seller.shop, unshipped.id, tracking_number="9400100000000000000030", shipping_provider_id=usps
        )
    shipped = await tiktok.mark_package_shipped(
        seller.shop, first["id"], tracking_number="9400100000000000000031", shipping_provider_id=usps
    )
    await tiktok.mark_package_shipped(
        seller.shop, second["id"], tracking_number="9400100000000000000032", shipping_provider_id=usps
    )

    await tiktok.update_shipping_info(
        seller.shop, shipped.package_id, tracking_number="9400100000000000000033", shipping_provider_id=usps
    )
    [order] = await tiktok.get_orders(seller.shop, [first["id"]])
    assert order.tracking_number == "9400100000000000000033"
    assert (
        await tiktok.get_package(seller.shop, shipped.package_id)
    ).tracking_number == order.tracking_number
    with pytest.raises(errors.DuplicateTrackingNumberError):  # the other order's package has it
        await tiktok.update_shipping_info(
            seller.shop,
            shipped.package_id,
            tracking_number="9400100000000000000032",
            shipping_provider_id=usps,
        )

    await control.act(first["id"], "carrier_scan")
    with pytest.raises(errors.BusinessError, match="with the carrier"):
        await tiktok.update_shipping_info(
            seller.shop,
            shipped.package_id,
            tracking_number="9400100000000000000034",
            shipping_provider_id=usps,
        )


async def test_self_shipment_ships_the_package_with_our_tracking_number_once(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    package_id = created["packages"][0]["id"]
    ups = await provider_id(tiktok, seller, created, "UPS")

    await tiktok.ship_package(
        seller.shop, package_id, tracking_number="1ZSELFSHIP0000001", shipping_provider_id=ups
    )

    package = await tiktok.get_package(seller.shop, package_id)
    assert (package.tracking_number, package.shipping_provider_id, package.shipping_provider_name) == (
        "1ZSELFSHIP0000001",
        ups,
        "UPS",
    )
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert (order.status, order.tracking_number, order.shipping_provider_id, order.shipping_provider) == (
        "AWAITING_COLLECTION",
        "1ZSELFSHIP0000001",
        ups,
        "UPS",
    )
    with pytest.raises(errors.PackageAlreadyShippedError) as again:  # ship has no idempotency key
        await tiktok.ship_package(
            seller.shop, package_id, tracking_number="1ZSELFSHIP0000002", shipping_provider_id=ups
        )
    assert again.value.code == 21011040 and not again.value.retryable
    assert (await tiktok.get_package(seller.shop, package_id)).tracking_number == "1ZSELFSHIP0000001"


async def test_an_fbt_order_ships_from_tiktoks_stock_and_the_seller_cannot_ship_it(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    async def shelf() -> int:
        return (await tiktok.get_product(seller.shop, seller.product_id)).skus[0].inventory[0].quantity

    stocked = await shelf()
    [created] = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], on_hold=False, fulfilled_by_tiktok=True
    )
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert (order.fulfillment_type, await shelf()) == ("FULFILLMENT_BY_TIKTOK", stocked)
    with pytest.raises(errors.BusinessError) as refused:
        await tiktok.ship_package(seller.shop, created["packages"][0]["id"])
    assert refused.value.code == 99021008
    await control.act(created["id"], "fbt_ship")
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert order.status == "AWAITING_COLLECTION" and order.tracking_number


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


async def test_an_inventory_update_must_list_every_warehouse_of_the_sku(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    sku = (await tiktok.get_product(seller.shop, seller.product_id)).skus[0]
    first = sku.inventory[0].warehouse_id
    second = (await control.add_warehouse(seller.shop.shop_id)).id
    await control.stock_sku_in(seller.shop.shop_id, sku.id, second, 4)

    def update(*stock: tuple[str, int]) -> list[SkuInventory]:
        return [
            SkuInventory(id=sku.id, inventory=[WarehouseStock(warehouse_id=w, quantity=q) for w, q in stock])
        ]

    for partial in (update((first, 7)), update(("", 7))):  # one of two, or no id with two
        [refused] = await tiktok.update_inventory(seller.shop, seller.product_id, partial)
        assert refused.detail["sku_id"] == sku.id
    assert (
        await tiktok.update_inventory(seller.shop, seller.product_id, update((first, 7), (second, 9))) == []
    )
    stocked = (await tiktok.get_product(seller.shop, seller.product_id)).skus[0].inventory
    assert {(level.warehouse_id, level.quantity) for level in stocked} == {(first, 7), (second, 9)}


async def test_products_go_off_sale_and_back_and_buyers_follow(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    async def status() -> str:
        return (await tiktok.get_product(seller.shop, seller.product_id)).status

    assert await tiktok.deactivate_products(seller.shop, [seller.product_id]) == []
    assert await status() == "SELLER_DEACTIVATED"
    with pytest.raises(RuntimeError, match=r"HTTP 409.*cannot order"):
        await control.create_orders(seller.shop.shop_id, seller.sku_ids[0])
    (pushed,) = await control.deliveries(shop_id=seller.shop.shop_id, type=5)
    assert pushed["notification"]["data"]["product_id"] == seller.product_id

    frozen = await control.create_product(
        seller.shop.shop_id, "Frozen", [{"seller_sku": "F", "price": "1.00", "stock": 1}]
    )
    await control.set_product_status(frozen.id, "FREEZE")
    unknown = "1729000000000000000"
    refused = await tiktok.activate_products(seller.shop, [seller.product_id, frozen.id, unknown])
    assert [(error.code, error.detail["product_id"]) for error in refused] == [
        (99012005, frozen.id),
        (99012001, unknown),
    ]
    assert await status() == "ACTIVATE"
    assert await tiktok.activate_products(seller.shop, [seller.product_id]) == []  # already on sale
    assert len(await control.create_orders(seller.shop.shop_id, seller.sku_ids[0])) == 1


async def test_product_status_changes_go_20_products_a_call(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    before = len(await control.ledger("/product/202309/products/deactivate"))
    unknown = [f"17290000000000000{n:02}" for n in range(21)]
    refused = await tiktok.deactivate_products(seller.shop, unknown)
    assert [error.detail["product_id"] for error in refused] == unknown
    assert len(await control.ledger("/product/202309/products/deactivate")) - before == 2


# --- finance ---------------------------------------------------------------------------------------


async def test_statements_settle_completed_orders_only_at_the_next_utc_midnight(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    # Start a minute into an emulated day, so that every order here completes on that one day.
    now = await control.clock()
    day_start = (now // DAY + 1) * DAY
    await control.advance_clock(day_start + 60 - now)
    created = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], count=3, on_hold=False)
    usps = await provider_id(tiktok, seller, created[0], "USPS")
    for order in created:
        await tiktok.mark_package_shipped(
            seller.shop, order["id"], tracking_number=f"1ZSTATEMENT{order['id']}", shipping_provider_id=usps
        )
        await control.act(order["id"], "carrier_scan")
        await control.act(order["id"], "deliver")
    completed, [delivered] = created[:2], created[2:]
    for order in completed:
        await control.act(order["id"], "complete")

    assert (await tiktok.get_statements(seller.shop)).statements == []  # nothing settles before midnight
    midnight = day_start + DAY
    await control.advance_clock(midnight - await control.clock())

    [statement] = (await tiktok.get_statements(seller.shop)).statements
    revenue = sum(Decimal(order["payment"]["total_amount"]) for order in completed)
    assert (statement.statement_time, statement.revenue_amount) == (midnight, revenue)
    assert statement.fee_amount is not None and statement.fee_amount < 0
    assert statement.adjustment_amount is not None
    assert statement.settlement_amount == revenue + statement.fee_amount + statement.adjustment_amount
    assert (statement.currency, statement.payment_status) == ("USD", "PROCESSING")
    [still_delivered] = await tiktok.get_orders(seller.shop, [delivered["id"]])
    assert still_delivered.status == "DELIVERED"

    await control.advance_clock(DAY)
    page = await tiktok.get_statements(
        seller.shop, statement_time_ge=midnight, statement_time_lt=midnight + 1
    )
    assert [(s.id, s.payment_status) for s in page.statements] == [(statement.id, "PAID")]
    assert (await tiktok.get_statements(seller.shop, statement_time_lt=midnight)).statements == []


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
    statuses = [entry["status"] for entry in await control.ledger(WAREHOUSES)]
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
    statuses = [entry["status"] for entry in await control.ledger(WAREHOUSES)][-24:]
    assert 429 not in statuses


async def test_added_latency_slows_only_its_endpoint_and_past_the_timeout_is_transient(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    try:
        await control.set_faults([{"path": WAREHOUSES, "latency_ms": 500}])
        started = time.monotonic()
        assert await tiktok.get_warehouses(seller.shop)  # within the default 10 s timeout: only slower
        assert time.monotonic() - started >= 0.4

        await control.set_faults([{"path": WAREHOUSES, "latency_ms": 3000}])
        async with TikTokShopClient(settings_for(emulator_url, timeout_seconds=1.0)) as impatient:
            with pytest.raises(errors.TransientError) as failure:
                await impatient.get_warehouses(seller.shop)
            assert await impatient.get_delivery_options(seller.shop, seller.warehouse_id)  # not delayed
    finally:
        await control.set_faults([])
    assert failure.value.retryable and "timed out" in failure.value.message


async def test_5xx_and_timeouts_are_transient(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    async with TikTokShopClient(settings_for(emulator_url, timeout_seconds=0.5)) as client:
        for kind in ("5xx", "timeout"):
            await control.set_faults([{"path": WAREHOUSES, "error_rate": 1.0, "kinds": [kind]}])
            try:
                with pytest.raises(errors.TransientError) as failure:
                    await client.get_warehouses(seller.shop)
            finally:
                await control.set_faults([])
            assert failure.value.retryable
        assert await client.get_warehouses(seller.shop)


async def test_get_product_carries_its_package_and_search_leaves_it_out(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    blender = await control.create_product(
        seller.shop.shop_id,
        "Blender",
        [{"seller_sku": "BLEND-1", "price": "89.00", "stock": 10}],
        {
            "package_weight": {"value": "2.3", "unit": "KILOGRAM"},
            "package_dimensions": {"length": "30", "width": "20", "height": "40", "unit": "CENTIMETER"},
        },
    )
    detail = await tiktok.get_product(seller.shop, blender.id)
    assert detail.package_weight is not None and detail.package_dimensions is not None
    assert (detail.package_weight.value, detail.package_weight.unit) == (Decimal("2.3"), "KILOGRAM")
    assert (detail.package_dimensions.height, detail.package_dimensions.unit) == (Decimal(40), "CENTIMETER")
    # A product listed without package data has none; Search Products shows no package data at all.
    assert (await tiktok.get_product(seller.shop, seller.product_id)).package_weight is None
    page = await tiktok.search_products(seller.shop, status="ALL", page_size=100)
    assert {product.id for product in page.products} >= {blender.id, seller.product_id}
    assert all(product.package_weight is None for product in page.products)
