"""`creatorflow report finance`: per shop and currency, and per order, from what the finance sync stored.

An order is in the period when the statement that settled it is at or after `since`, or, not settled,
when its first outbound label was bought at or after `since`. Payouts are the PAID statements in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel

from creatorflow.finance import (
    SETTLING_TYPES,
    ZERO,
    FinancePolicy,
    LabelCost,
    OrderFinance,
    Refund,
    SettledOrder,
    order_finance,
)
from creatorflow.store import Store
from creatorflow.store.tables import FinanceStatementRow, LabelStatus


class ShopFinance(BaseModel):
    """One shop's orders in one currency over the period; amounts are sums of the orders' figures."""

    shop_id: str
    currency: str
    settled: int
    unsettled: int  # shipped, no settlement yet (flagged or not)
    flagged: int
    revenue: Decimal
    tiktok_fees: Decimal
    shipping: Decimal
    refunds: Decimal
    return_labels: Decimal
    adjustments: Decimal
    difference: Decimal
    margin: Decimal  # of the settled orders
    payouts: Decimal  # settlement of the statements TikTok PAID in the period
    statements: int


class FinanceReport(BaseModel):
    shop_id: str | None
    since: datetime | None
    generated_at: datetime
    shops: list[ShopFinance]
    orders: list[OrderFinance]


def finance_report(
    store: Store,
    policy: FinancePolicy,
    shop_id: str | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
) -> FinanceReport:
    now = now or datetime.now(UTC)
    start = int(since.timestamp()) if since else None
    orders = [
        order for order in _orders(store, policy, shop_id, now) if start is None or _time(order) >= start
    ]
    statements = store.statements(shop_id, start)
    return FinanceReport(
        shop_id=shop_id,
        since=since,
        generated_at=now,
        shops=_by_shop(orders, statements),
        orders=orders,
    )


def _orders(store: Store, policy: FinancePolicy, shop_id: str | None, now: datetime) -> list[OrderFinance]:
    settled = {(row.shop_id, row.order_id): row for row in store.finance_orders(shop_id)}
    labels: dict[tuple[str, str], list[LabelCost]] = defaultdict(list)
    currencies: dict[tuple[str, str], str] = {}
    for label in store.labels(shop_id):
        currencies.setdefault((label.shop_id, label.order_id), label.currency)
        labels[label.shop_id, label.order_id].append(
            LabelCost(
                provider=label.provider,
                cost=label.cost,
                kept=label.status != LabelStatus.REFUNDED,
                idempotency_key=label.idempotency_key,
                created_at=label.created_at,
            )
        )
    refunds: dict[tuple[str, str], list[Refund]] = defaultdict(list)
    for row in store.returns(shop_id):
        refunds[row.shop_id, row.order_id].append(
            Refund(status=row.status, amount=row.amount, return_label_cost=row.return_label_cost)
        )
    adjustments: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for transaction in store.finance_transactions(shop_id):
        if transaction.type not in SETTLING_TYPES and transaction.order_id:
            adjustments[transaction.shop_id, transaction.order_id].append(
                transaction.settlement_amount or ZERO
            )
    cancelled = {(r.shop_id, r.order_id) for r in store.orders(shop_id, state="CANCELLED")}
    keys = (set(settled) | set(labels)) - (cancelled - set(settled))
    found = []
    for key in sorted(keys):
        known = settled.get(key)
        found.append(
            order_finance(
                key[0],
                key[1],
                SettledOrder.model_validate(known, from_attributes=True) if known else None,
                labels[key],
                refunds[key],
                adjustments[key],
                now=now,
                policy=policy,
                currency=known.currency if known and known.currency else currencies.get(key, ""),
            )
        )
    return [order for order in found if order.statement_time is not None or order.shipped_at is not None]


def _time(order: OrderFinance) -> int:
    if order.statement_time is not None:
        return order.statement_time
    return int(order.shipped_at.timestamp()) if order.shipped_at else 0


def _by_shop(orders: list[OrderFinance], statements: list[FinanceStatementRow]) -> list[ShopFinance]:
    groups: dict[tuple[str, str], list[OrderFinance]] = defaultdict(list)
    for order in orders:
        groups[order.shop_id, order.currency].append(order)
    paid: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for statement in statements:
        key = (statement.shop_id, statement.currency)
        counted[key] += 1
        if statement.payment_status == "PAID":
            paid[key].append(statement.settlement_amount or ZERO)
    shops = []
    for key in sorted(set(groups) | set(counted)):
        rows = groups.get(key, [])
        settled = [order for order in rows if order.margin is not None]
        shops.append(
            ShopFinance(
                shop_id=key[0],
                currency=key[1],
                settled=len(settled),
                unsettled=len(rows) - len(settled),
                flagged=sum(1 for order in rows if order.flags),
                revenue=_total(order.revenue for order in settled),
                tiktok_fees=_total(order.tiktok_fees for order in settled),
                shipping=_total(order.shipping for order in settled),
                refunds=_total(order.refunds for order in settled),
                return_labels=_total(order.return_labels for order in settled),
                adjustments=_total(order.adjustments for order in settled),
                difference=_total(order.difference or ZERO for order in settled),
                margin=_total(order.margin or ZERO for order in settled),
                payouts=_total(paid.get(key, [])),
                statements=counted.get(key, 0),
            )
        )
    return shops


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)
