"""Finance (reference §5.7) over real HTTP against the emulator: statements, a statement's transactions page
by page, an order's settlement, refunds before and after it settles, TikTok Shipping's label in it, the
required `sort_field` refused when missing, and the retired 202309 transactions refused as TikTok does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import Seller
from test_client import DAY, provider_id
from test_client_tiktok_shipping import ONE_POUND

from creatorflow.shipping.tiktok_shipping import TikTokShipping
from creatorflow.tiktok import models as m
from creatorflow.tiktok.client import STATEMENT_TRANSACTIONS, Api, TikTokShopClient
from creatorflow.tiktok.errors import TikTokError
from emulators.tiktok.admin_client import TikTokSandboxControl

D = Decimal


async def _to_next_midnight(control: TikTokSandboxControl) -> int:
    now = await control.clock()
    midnight = (now // DAY + 1) * DAY
    await control.advance_clock(midnight - now)
    return midnight


async def _deliver(control: TikTokSandboxControl, order_id: str) -> None:
    await control.act(order_id, "carrier_scan")
    await control.act(order_id, "deliver")


async def test_a_day_of_orders_settles_as_one_statement_with_a_transaction_per_order(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    await _to_next_midnight(control)
    await control.advance_clock(60)  # every order below completes on this one day
    await control.sign_up_for_tiktok_shipping(seller.shop.shop_id)
    own, tiktok_shipped, refunded = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], count=3, on_hold=False
    )
    usps = await provider_id(tiktok, seller, own, "USPS")
    for order in (own, refunded):
        await tiktok.mark_package_shipped(
            seller.shop, order["id"], tracking_number=f"1ZFIN{order['id']}", shipping_provider_id=usps
        )
    shipping = TikTokShipping(tiktok, seller.shop, tiktok_shipped["id"])
    rate = (await shipping.quote(ONE_POUND))[0]
    label = await shipping.buy(rate, ONE_POUND)
    await tiktok.ship_package(seller.shop, label.package_id)
    for order in (own, tiktok_shipped, refunded):
        await _deliver(control, order["id"])
    partial = await control.open_return(refunded["id"], amount="4.00")
    await tiktok.approve_return(
        seller.shop, partial["return_id"], decision="APPROVE_REFUND", idempotency_key="finance-test-1"
    )
    for order in (own, tiktok_shipped, refunded):
        await control.act(order["id"], "complete")
    midnight = await _to_next_midnight(control)

    [statement] = (await tiktok.get_statements(seller.shop, statement_time_ge=midnight)).statements
    assert (statement.statement_time, statement.payment_status) == (midnight, "PROCESSING")
    first = await tiktok.get_statement_transactions(seller.shop, statement.id, page_size=1)
    assert len(first.transactions) == 1 and first.next_page_token
    transactions = await tiktok.statement_transactions(seller.shop, statement.id)
    orders = [t for t in transactions if t.type == "ORDER"]
    assert sorted(t.order_id for t in orders) == sorted(o["id"] for o in (own, tiktok_shipped, refunded))
    assert len({t.id for t in transactions}) == len(transactions)
    adjustments = sum((t.settlement_amount or D(0) for t in transactions if t.type != "ORDER"), D(0))
    assert statement.adjustment_amount == adjustments
    assert statement.settlement_amount == sum((t.settlement_amount or D(0) for t in transactions), D(0))

    total = D(own["payment"]["total_amount"])
    seller_shipped = await tiktok.get_order_transactions(seller.shop, own["id"])
    assert (seller_shipped.revenue_amount, seller_shipped.shipping_cost_amount) == (total, D("0.00"))
    assert seller_shipped.fee_and_tax_amount == -(total * D("0.06")).quantize(D("0.01"))
    by_tiktok = await tiktok.get_order_transactions(seller.shop, tiktok_shipped["id"])
    assert by_tiktok.shipping_cost_amount == -rate.amount  # the label's price, taken from the settlement
    assert by_tiktok.settlement_amount == total + (by_tiktok.fee_and_tax_amount or 0) - rate.amount
    after_refund = await tiktok.get_order_transactions(seller.shop, refunded["id"])
    assert after_refund.revenue_amount == total - D("4.00")


async def test_a_refund_after_settlement_is_a_transaction_of_a_later_statement_and_payouts_follow(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [order] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    usps = await provider_id(tiktok, seller, order, "USPS")
    await tiktok.mark_package_shipped(
        seller.shop, order["id"], tracking_number=f"1ZLATE{order['id']}", shipping_provider_id=usps
    )
    await _deliver(control, order["id"])
    await control.act(order["id"], "complete")
    settled_at = await _to_next_midnight(control)
    late = await control.open_return(order["id"], amount="5.00")
    await tiktok.approve_return(
        seller.shop, late["return_id"], decision="APPROVE_REFUND", idempotency_key="finance-test-2"
    )
    refunded_at = await _to_next_midnight(control)
    await control.advance_clock(DAY)  # the first statement is paid by now, the second a day later

    statements = (await tiktok.get_statements(seller.shop, statement_time_ge=settled_at)).statements
    assert [(s.statement_time, s.payment_status) for s in statements] == [
        (settled_at, "PAID"),
        (refunded_at, "PAID"),
    ]
    [refund] = await tiktok.statement_transactions(seller.shop, statements[1].id)
    assert (refund.type, refund.order_id, refund.revenue_amount) == ("ORDER", order["id"], D("-5.00"))
    summed = await tiktok.get_order_transactions(seller.shop, order["id"])
    assert summed.revenue_amount == D(order["payment"]["total_amount"]) - D("5.00")


async def test_statement_transactions_need_their_sort_field_and_a_statement_of_the_shop(
    seller: Seller, tiktok: TikTokShopClient
) -> None:
    with pytest.raises(TikTokError) as missing:
        await tiktok.call(
            STATEMENT_TRANSACTIONS,
            m.StatementTransactionPage,
            access_token=seller.shop.access_token,
            shop=seller.shop,
            path_params={"statement_id": "1764547200000000001"},
        )
    assert missing.value.code == 36009004
    with pytest.raises(TikTokError) as unknown:
        await tiktok.get_statement_transactions(seller.shop, "1764547200000000001")
    assert unknown.value.code == 21001001


async def test_the_retired_202309_transactions_are_an_invalid_version(
    seller: Seller, tiktok: TikTokShopClient
) -> None:
    retired = Api("GET", "/finance/202309/orders/{order_id}/statement_transactions")
    with pytest.raises(TikTokError) as refused:
        await tiktok.call(
            retired,
            m.OrderTransactions,
            access_token=seller.shop.access_token,
            shop=seller.shop,
            path_params={"order_id": "576000000000000001"},
        )
    assert refused.value.code == 36009014
