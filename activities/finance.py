"""The finance sync's activity: one page of TikTok's statements, with every transaction of each and the
settlement and total of every order they settle, into the store in one transaction.

Each order's figures come from Transactions by Order (fees and shipping are not documented on a
statement's transactions) and its total from Order Detail (50 at a time); both are re-read whenever a
statement shows the order again, so a later refund or adjustment updates them.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from temporalio import activity

from activities import contracts
from activities.errors import activity_errors
from creatorflow.finance import SETTLING_TYPES, FinancePageRequest, FinancePageResult
from creatorflow.store import Store
from creatorflow.store.tables import FinanceOrderRow, FinanceStatementRow, FinanceTransactionRow
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import OrderTransactions, ShopCredentials, Statement, StatementTransaction


class FinanceActivities:
    def __init__(self, store: Store, client: TikTokShopClient) -> None:
        self._store = store
        self._client = client

    @activity.defn(name=contracts.SYNC_FINANCE_PAGE.name)
    async def sync_finance_page(self, request: FinancePageRequest) -> FinancePageResult:
        with activity_errors():
            shop = (await asyncio.to_thread(self._store.tokens, request.shop_id)).credentials()
            page = await self._client.get_statements(
                shop,
                statement_time_ge=request.statement_time_ge,
                page_size=request.page_size,
                page_token=request.page_token or None,
            )
            transactions = [
                (statement, transaction)
                for statement in page.statements
                for transaction in await self._client.statement_transactions(shop, statement.id)
            ]
            first_seen: dict[str, int] = {}
            for statement, transaction in transactions:
                if transaction.order_id and transaction.type in SETTLING_TYPES:
                    first_seen.setdefault(transaction.order_id, statement.statement_time)
            orders = await self._orders(shop, first_seen)
        await asyncio.to_thread(
            self._store.upsert_finance,
            [_statement_row(request.shop_id, statement) for statement in page.statements],
            [_transaction_row(request.shop_id, s, t) for s, t in transactions],
            orders,
        )
        unpaid = [s.statement_time for s in page.statements if s.payment_status == "PROCESSING"]
        return FinancePageResult(
            statements=len(page.statements),
            transactions=len(transactions),
            orders=len(orders),
            next_page_token=page.next_page_token,
            newest_statement_time=max((s.statement_time for s in page.statements), default=0),
            oldest_unpaid_statement_time=min(unpaid, default=None),
        )

    async def _orders(self, shop: ShopCredentials, first_seen: dict[str, int]) -> list[FinanceOrderRow]:
        details = {order.id: order for order in await self._client.get_orders(shop, list(first_seen))}
        rows = []
        for order_id, statement_time in first_seen.items():
            settled = await self._client.get_order_transactions(shop, order_id)
            detail = details.get(order_id)
            payment = detail.payment if detail else None
            rows.append(
                _order_row(
                    shop.shop_id,
                    settled,
                    statement_time,
                    payment.total_amount if payment else None,
                    payment.currency if payment else "",
                )
            )
        return rows


def _statement_row(shop_id: str, statement: Statement) -> FinanceStatementRow:
    return FinanceStatementRow(
        statement_id=statement.id,
        shop_id=shop_id,
        statement_time=statement.statement_time,
        currency=statement.currency,
        revenue_amount=statement.revenue_amount,
        fee_amount=statement.fee_amount,
        adjustment_amount=statement.adjustment_amount,
        settlement_amount=statement.settlement_amount,
        payment_status=statement.payment_status,
        payment_id=statement.payment_id,
    )


def _transaction_row(
    shop_id: str, statement: Statement, transaction: StatementTransaction
) -> FinanceTransactionRow:
    return FinanceTransactionRow(
        transaction_id=transaction.id,
        shop_id=shop_id,
        statement_id=statement.id,
        statement_time=statement.statement_time,
        type=transaction.type,
        order_id=transaction.order_id,
        currency=statement.currency,
        revenue_amount=transaction.revenue_amount,
        settlement_amount=transaction.settlement_amount,
    )


def _order_row(
    shop_id: str, settled: OrderTransactions, statement_time: int, total: Decimal | None, currency: str
) -> FinanceOrderRow:
    return FinanceOrderRow(
        shop_id=shop_id,
        order_id=settled.order_id,
        currency=currency,
        first_statement_time=statement_time,
        order_total=total,
        revenue_amount=settled.revenue_amount,
        fee_and_tax_amount=settled.fee_and_tax_amount,
        shipping_cost_amount=settled.shipping_cost_amount,
        settlement_amount=settled.settlement_amount,
    )
