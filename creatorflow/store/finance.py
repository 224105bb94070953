"""TikTok's statements, their transactions and each order's settlement, as the finance sync read them.

Every write is an upsert by TikTok's id (statement id, transaction id, shop and order), so a sync run twice,
or over a range it already read, leaves one row per thing with TikTok's latest figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from creatorflow.store.repository import Repository
from creatorflow.store.tables import FinanceOrderRow, FinanceStatementRow, FinanceTransactionRow, utcnow


class FinanceRepository(Repository):
    def upsert_finance(
        self,
        statements: Sequence[FinanceStatementRow],
        transactions: Sequence[FinanceTransactionRow],
        orders: Sequence[FinanceOrderRow],
    ) -> None:
        """One transaction for one page of statements: a statement is never kept without its transactions."""
        with Session(self.engine) as session:
            for order in orders:
                known = session.get(FinanceOrderRow, (order.shop_id, order.order_id))
                if known is not None:
                    order.first_statement_time = min(known.first_statement_time, order.first_statement_time)
            for row in [*statements, *transactions, *orders]:
                row.synced_at = utcnow()
                session.merge(row)
            session.commit()

    def statements(self, shop_id: str | None = None, since: int | None = None) -> list[FinanceStatementRow]:
        """Oldest first; `since`: statement time at or after (Unix s)."""
        with Session(self.engine) as session:
            query = select(FinanceStatementRow).order_by(
                col(FinanceStatementRow.statement_time), col(FinanceStatementRow.statement_id)
            )
            if shop_id is not None:
                query = query.where(FinanceStatementRow.shop_id == shop_id)
            if since is not None:
                query = query.where(col(FinanceStatementRow.statement_time) >= since)
            return list(session.exec(query))

    def payouts_since(self, shop_id: str, since: int) -> list[FinanceStatementRow]:
        """The shop's statements TikTok has PAID, with a statement time at or after `since`."""
        return [row for row in self.statements(shop_id, since) if row.payment_status == "PAID"]

    def finance_transactions(self, shop_id: str | None = None) -> list[FinanceTransactionRow]:
        with Session(self.engine) as session:
            query = select(FinanceTransactionRow).order_by(
                col(FinanceTransactionRow.statement_time), col(FinanceTransactionRow.transaction_id)
            )
            if shop_id is not None:
                query = query.where(FinanceTransactionRow.shop_id == shop_id)
            return list(session.exec(query))

    def finance_orders(self, shop_id: str | None = None) -> list[FinanceOrderRow]:
        with Session(self.engine) as session:
            query = select(FinanceOrderRow).order_by(col(FinanceOrderRow.order_id))
            if shop_id is not None:
                query = query.where(FinanceOrderRow.shop_id == shop_id)
            return list(session.exec(query))
