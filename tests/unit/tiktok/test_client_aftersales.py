"""Our client's after-sales calls against the emulator, over real HTTP: approving and rejecting returns and
cancellations (with idempotency keys, reference §8), and the seller's own cancellation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import pytest
from client_helpers import Seller

from creatorflow.tiktok import errors
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import AfterSaleSearch
from emulators.tiktok.admin_client import TikTokSandboxControl

INVALID_STATUS = 25001003  # a decision on a request that is no longer pending
REASON = "seller_reject_apply_product_has_been_packed"
COMMENT = "Packed and labelled before the request came in"

Reject = Callable[[str], Awaitable[None]]  # one reject call, given its idempotency key


async def rejects_once_per_key(
    control: TikTokSandboxControl, seller: Seller, order_id: str, request_id: str, reject: Reject
) -> None:
    """Reject twice with one key, as a retried activity does: both answers are successes, but TikTok decides
    once (one status push, one rejection kept, with our reason). A new key is a new decision: refused."""

    async def status_pushes() -> int:
        deliveries = await control.deliveries(shop_id=seller.shop.shop_id)
        return sum(request_id in delivery["notification"]["data"].values() for delivery in deliveries)

    pushed_before = await status_pushes()
    for _ in range(2):
        await reject("reject-1")
    with pytest.raises(errors.BusinessError) as again:
        await reject("reject-2")

    assert again.value.code == INVALID_STATUS
    assert await status_pushes() == pushed_before + 1
    rejections = (await control.order(order_id))["rejections"]
    assert [(r["request_id"], r["reject_reason"], r["comment"]) for r in rejections] == [
        (request_id, REASON, COMMENT)
    ]
    calls = await control.ledger(f"/return_refund/202309/*/{request_id}/reject")
    assert [(parse_qs(call["query"])["idempotency_key"], call["code"]) for call in calls] == [
        (["reject-1"], 0),
        (["reject-1"], 0),
        (["reject-2"], INVALID_STATUS),
    ]


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


async def test_rejecting_a_return_twice_with_one_key_decides_once(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], status="DELIVERED")
    return_id = (await control.open_return(created["id"], "REFUND"))["return_id"]

    await rejects_once_per_key(
        control,
        seller,
        created["id"],
        return_id,
        lambda key: tiktok.reject_return(
            seller.shop,
            return_id,
            decision="REJECT_REFUND",
            reject_reason=REASON,
            comment=COMMENT,
            idempotency_key=key,
        ),
    )
    search = AfterSaleSearch(order_ids=[created["id"]])
    [after] = (await tiktok.search_returns(seller.shop, search, page_size=10)).return_orders
    assert after.return_status == "REFUND_OR_RETURN_REQUEST_REJECT"


async def test_rejecting_a_cancellation_twice_with_one_key_decides_once(
    control: TikTokSandboxControl, seller: Seller, tiktok: TikTokShopClient
) -> None:
    [created] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    cancel_id = (await control.cancel_by_buyer(created["id"]))["cancel_id"]

    await rejects_once_per_key(
        control,
        seller,
        created["id"],
        cancel_id,
        lambda key: tiktok.reject_cancellation(
            seller.shop, cancel_id, reject_reason=REASON, comment=COMMENT, idempotency_key=key
        ),
    )
    search = AfterSaleSearch(order_ids=[created["id"]])
    [after] = (await tiktok.search_cancellations(seller.shop, search)).cancellations
    assert after.cancel_status == "CANCELLATION_REQUEST_CANCEL"
    [order] = await tiktok.get_orders(seller.shop, [created["id"]])
    assert (order.status, order.is_buyer_request_cancel) == ("AWAITING_SHIPMENT", False)
