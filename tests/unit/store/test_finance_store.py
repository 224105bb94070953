"""Statements, transactions and order settlements are upserted by TikTok's ids: a sync read twice keeps one
row of each with the latest figures; payouts are the PAID statements."""

from __future__ import annotations

from decimal import Decimal

from creatorflow.store import Store
from creatorflow.store.tables import FinanceOrderRow, FinanceStatementRow, FinanceTransactionRow

DAY = 86400


def statement(time: int, status: str, settlement: str = "37.60") -> FinanceStatementRow:
    return FinanceStatementRow(
        statement_id=f"{time}000000001",
        shop_id="s1",
        statement_time=time,
        currency="USD",
        settlement_amount=Decimal(settlement),
        payment_status=status,
        payment_id=f"{time + DAY}000000001",
    )


def transaction(time: int) -> FinanceTransactionRow:
    return FinanceTransactionRow(
        transaction_id="t1",
        shop_id="s1",
        statement_id=f"{time}000000001",
        statement_time=time,
        type="ORDER",
        order_id="o1",
        settlement_amount=Decimal("37.60"),
    )


def order(first: int, settlement: str) -> FinanceOrderRow:
    return FinanceOrderRow(
        shop_id="s1", order_id="o1", first_statement_time=first, settlement_amount=Decimal(settlement)
    )


def test_a_second_read_updates_in_place_and_keeps_the_first_statement_of_an_order(store: Store) -> None:
    store.upsert_finance([statement(DAY, "PROCESSING")], [transaction(DAY)], [order(DAY, "37.60")])
    store.upsert_finance([statement(DAY, "PAID")], [transaction(DAY)], [order(DAY, "37.60")])
    # A refund settled in a later statement re-reads the order: its figures change, not where it settled.
    store.upsert_finance([statement(2 * DAY, "PROCESSING", "-5.00")], [], [order(2 * DAY, "32.60")])

    assert [(s.statement_time, s.payment_status) for s in store.statements("s1")] == [
        (DAY, "PAID"),
        (2 * DAY, "PROCESSING"),
    ]
    assert [t.transaction_id for t in store.finance_transactions("s1")] == ["t1"]
    [settled] = store.finance_orders("s1")
    assert (settled.first_statement_time, settled.settlement_amount) == (DAY, Decimal("32.60"))
    assert [s.statement_time for s in store.payouts_since("s1", 0)] == [DAY]
    assert store.payouts_since("s1", DAY + 1) == []
    assert store.statements("other") == []
