"""Open API routes for returns, refunds and cancellations (reference §5.6, §8).

The four decision endpoints take an optional `idempotency_key` query parameter (≤255 characters; signed like
every query parameter). A repeated key replays the first successful answer and never acts twice; a failed
call stores nothing, so a retry with the same key is evaluated afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from emulators.tiktok.gateway import Gateway, ShopCall
from emulators.tiktok.wire_envelope import ok
from emulators.tiktok.wire_models import Shop
from emulators.tiktok.wire_pagination import PageRequest, Paginator, SortOrder, page_request
from emulators.tiktok.wire_schemas import (
    ApproveReturnBody,
    CancellationSearchBody,
    CancellationSearchData,
    CancelOrderBody,
    CancelOrderData,
    RejectCancellationBody,
    RejectReturnBody,
    ReturnSearchBody,
    ReturnSearchData,
)
from emulators.tiktok.world import World


@dataclass(frozen=True)
class Decision:
    """A verified call to a decision endpoint; with an idempotency_key, `slot` names it for replays."""

    shop: Shop
    slot: tuple[str, str, str] | None


class IdempotentCalls:
    """Acts once per (shop, path, idempotency_key); repeats answer the same success without acting."""

    def __init__(self) -> None:
        self._done: set[tuple[str, str, str]] = set()

    def run(self, decision: Decision, act: Callable[[], None]) -> JSONResponse:
        if decision.slot is None or decision.slot not in self._done:
            act()
            if decision.slot is not None:
                self._done.add(decision.slot)
        return ok()


def aftersales_router(world: World, gateway: Gateway, paginator: Paginator) -> APIRouter:
    router = APIRouter()
    aftersales = world.aftersales
    idempotent = IdempotentCalls()

    async def decision(
        request: Request,
        idempotency_key: str | None = Query(default=None, min_length=1, max_length=255),
        call: ShopCall = Depends(gateway.shop_call),
    ) -> Decision:
        slot = (call.shop.id, request.url.path, idempotency_key) if idempotency_key else None
        return Decision(shop=call.shop, slot=slot)

    @router.post("/return_refund/202309/returns/search")
    async def search_returns(
        body: ReturnSearchBody | None = None,
        paging: PageRequest = Depends(page_request(10, 50, default=10)),
        sort_field: Literal["create_time", "update_time"] = "create_time",
        sort_order: SortOrder = "ASC",
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = paginator.search(
            f"{call.shop.id}|returns|{sort_field}",
            paging,
            body or ReturnSearchBody(),
            (r for r in aftersales.returns.values() if r.shop_id == call.shop.id),
            key=lambda r: (getattr(r, sort_field), r.return_id),
            sort_order=sort_order,
        )
        found = ReturnSearchData(
            return_orders=page.items, total_count=page.total_count, next_page_token=page.next_page_token
        )
        return ok(found)

    @router.post("/return_refund/202309/returns/{return_id}/approve")
    async def approve_return(
        return_id: str, body: ApproveReturnBody, decided: Decision = Depends(decision)
    ) -> JSONResponse:
        return idempotent.run(decided, lambda: aftersales.decide(decided.shop, return_id, body.decision))

    @router.post("/return_refund/202309/returns/{return_id}/reject")
    async def reject_return(
        return_id: str, body: RejectReturnBody, decided: Decision = Depends(decision)
    ) -> JSONResponse:
        return idempotent.run(
            decided,
            lambda: aftersales.reject_return(
                decided.shop, return_id, body.decision, body.reject_reason, body.comment
            ),
        )

    @router.post("/return_refund/202309/cancellations/search")
    async def search_cancellations(
        body: CancellationSearchBody | None = None,
        paging: PageRequest = Depends(page_request(1, 50, default=10)),
        sort_field: Literal["create_time", "update_time"] = "create_time",
        sort_order: SortOrder = "ASC",
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = paginator.search(
            f"{call.shop.id}|cancellations|{sort_field}",
            paging,
            body or CancellationSearchBody(),
            (c for c in aftersales.cancellations.values() if c.shop_id == call.shop.id),
            key=lambda c: (getattr(c, sort_field), c.cancel_id),
            sort_order=sort_order,
        )
        found = CancellationSearchData(
            cancellations=page.items, total_count=page.total_count, next_page_token=page.next_page_token
        )
        return ok(found)

    @router.post("/return_refund/202309/cancellations/{cancel_id}/approve")
    async def approve_cancellation(cancel_id: str, decided: Decision = Depends(decision)) -> JSONResponse:
        return idempotent.run(decided, lambda: aftersales.approve_cancellation(decided.shop, cancel_id))

    @router.post("/return_refund/202309/cancellations/{cancel_id}/reject")
    async def reject_cancellation(
        cancel_id: str, body: RejectCancellationBody, decided: Decision = Depends(decision)
    ) -> JSONResponse:
        return idempotent.run(
            decided,
            lambda: aftersales.reject_cancellation(decided.shop, cancel_id, body.reject_reason, body.comment),
        )

    @router.post("/return_refund/202309/cancellations")
    async def cancel_order(
        body: CancelOrderBody, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        cancellation = aftersales.seller_cancels(call.shop, body.order_id, body.cancel_reason)
        return ok(CancelOrderData(cancel_id=cancellation.cancel_id, cancel_status=cancellation.cancel_status))

    return router
