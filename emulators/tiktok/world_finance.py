"""Finance statements (reference §5.7), derived from the shop's completed orders.

TikTok generates a statement daily at 00:00 UTC. The emulator's model of it: one statement per UTC day in
which orders completed, dated the following midnight, with revenue = the orders' totals, a flat 6% fee
(the emulator's number), and PAID a day after the statement time (PROCESSING before that).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from emulators.tiktok.wire_models import Order, OrderStatus, money
from emulators.tiktok.wire_schemas import Statement

DAY = 24 * 3600
FEE_RATE = Decimal("0.06")


def statements(shop_id: str, orders: Iterable[Order], now: int) -> list[Statement]:
    revenue_by_time: dict[int, Decimal] = defaultdict(Decimal)
    currency = "USD"
    for order in orders:
        if order.status != OrderStatus.COMPLETED:
            continue
        statement_time = (order.update_time // DAY + 1) * DAY
        if statement_time <= now:
            revenue_by_time[statement_time] += Decimal(order.payment.total_amount)
            currency = order.payment.currency
    shop_part = int(shop_id) % 10**9
    return [
        Statement(
            id=f"{statement_time}{shop_part:09d}",
            statement_time=statement_time,
            revenue_amount=money(revenue),
            fee_amount=money(-(revenue * FEE_RATE)),
            adjustment_amount="0.00",
            settlement_amount=money(revenue - revenue * FEE_RATE),
            currency=currency,
            payment_status="PAID" if now >= statement_time + DAY else "PROCESSING",
            payment_id=f"{statement_time + DAY}{shop_part:09d}",
        )
        for statement_time, revenue in revenue_by_time.items()
    ]
