"""Open API finance routes (reference §5.7): statements, a statement's transactions, an order's.

The v202309 transaction routes are retired on TikTok (§3.4, §5.7), so only the 202501 ones answer here;
a 202309 transaction path falls to the catch-all (unknown path).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from emulators.tiktok.gateway import Gateway, ShopCall
from emulators.tiktok.wire_envelope import ok
from emulators.tiktok.wire_pagination import PageRequest, Paginator, SortOrder, page_request
from emulators.tiktok.wire_schemas import (
    AllTransactions,
    StatementsData,
    StatementSearch,
    StatementTransactionsData,
)
from emulators.tiktok.world import World


def finance_router(world: World, gateway: Gateway, paginator: Paginator) -> APIRouter:
    router = APIRouter()
    finance = world.finance

    @router.get("/finance/202309/statements")
    async def get_statements(
        sort_field: Literal["statement_time"],
        sort_order: SortOrder = "ASC",
        filters: StatementSearch = Depends(),
        paging: PageRequest = Depends(page_request(1, 100, default=20)),
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        page = paginator.search(
            f"{call.shop.id}|statements|{sort_field}",
            paging,
            filters,
            finance.statements(call.shop),
            key=lambda s: (s.statement_time, s.id),
            sort_order=sort_order,
        )
        return ok(StatementsData(statements=page.items, next_page_token=page.next_page_token))

    @router.get("/finance/202501/statements/{statement_id}/statement_transactions")
    async def get_statement_transactions(
        statement_id: str,
        sort_field: Literal["order_create_time"],
        sort_order: SortOrder = "ASC",
        paging: PageRequest = Depends(page_request(1, 100, default=20)),
        call: ShopCall = Depends(gateway.shop_call),
    ) -> JSONResponse:
        statement, transactions = finance.statement(call.shop, statement_id)
        page = paginator.search(
            f"{call.shop.id}|statement_transactions|{statement_id}|{sort_field}",
            paging,
            AllTransactions(),
            transactions,
            key=lambda t: (t.order_create_time, t.id),
            sort_order=sort_order,
        )
        return ok(
            StatementTransactionsData(
                statement_id=statement.id,
                statement_time=statement.statement_time,
                settlement_amount=statement.settlement_amount,
                revenue_amount=statement.revenue_amount,
                total_count=page.total_count,
                transactions=page.items,
                next_page_token=page.next_page_token,
            )
        )

    @router.get("/finance/202501/orders/{order_id}/statement_transactions")
    async def get_order_statement_transactions(
        order_id: str, call: ShopCall = Depends(gateway.shop_call)
    ) -> JSONResponse:
        return ok(finance.order_transactions(call.shop, order_id))

    return router
