"""Finance statements and their transactions (reference §5.7), derived from the shop's own orders.

TikTok generates a statement daily at 00:00 UTC. The emulator's model of it (the reference gives the
fields, not TikTok's accounting, so every rule below is the emulator's):
- A COMPLETED order settles in the statement of the first midnight after its `update_time`, as one ORDER
  transaction: revenue = the order's `total_amount` less the refunds completed before that midnight, a 6%
  commission on that revenue (`fee_and_tax_amount`, negative), and for a TikTok Shipping label the label's
  price (`shipping_cost_amount`, negative); settlement = their sum.
- A refund completed after its order settled is an ORDER transaction of its own in the next statement:
  revenue = minus the refund, the commission on it given back.
- One order in `ADJUSTMENT_EVERY` (by id) also gets a LOGISTICS_REIMBURSEMENT transaction of
  `ADJUSTMENT` in its settlement statement (an adjustment type of the emulator's naming).
- A statement's `revenue_amount` sums its ORDER transactions' revenue, `fee_amount` their commission and
  shipping, `adjustment_amount` the rest; `settlement_amount` is all of them.
- A statement is PROCESSING for a day after its time, then PAID; its payment id names that payout.
- `shortfalls` (admin) pays an order's revenue short by an amount: a settlement that differs from what the
  order implies, for tests of mismatch flags.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from emulators.tiktok.wire_errors import ApiError, Code
from emulators.tiktok.wire_models import Order, OrderStatus, ReturnStatus, ShippingType, Shop, money
from emulators.tiktok.wire_schemas import OrderTransactions, Statement, StatementTransaction
from emulators.tiktok.world_aftersales import AfterSales
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_orders import OrderBook

DAY = 24 * 3600
FEE_RATE = Decimal("0.06")
ADJUSTMENT_EVERY = 5
ADJUSTMENT = Decimal("1.50")
ZERO = Decimal(0)


def next_midnight(time: int) -> int:
    return (time // DAY + 1) * DAY


@dataclass(frozen=True)
class Entry:
    """One transaction as numbers, before it is rendered in TikTok's shape."""

    id: str
    type: str
    order: Order
    statement_time: int
    revenue: Decimal
    fee: Decimal
    shipping: Decimal

    @property
    def settlement(self) -> Decimal:
        return self.revenue + self.fee + self.shipping

    def wire(self, statement_id: str) -> StatementTransaction:
        return StatementTransaction(
            id=self.id,
            type=self.type,
            order_id=self.order.id,
            order_create_time=self.order.create_time,
            statement_id=statement_id,
            settlement_amount=money(self.settlement),
            revenue_amount=money(self.revenue),
            currency=self.order.payment.currency,
        )


class Finance(WorldPart):
    def __init__(self, context: WorldContext, orders: OrderBook, aftersales: AfterSales) -> None:
        super().__init__(context)
        self._orders = orders
        self._aftersales = aftersales
        self.shortfalls: dict[str, Decimal] = {}

    def statements(self, shop: Shop) -> list[Statement]:
        now = self._clock.now()
        by_time: dict[int, list[Entry]] = defaultdict(list)
        for entry in self._entries(shop, now):
            by_time[entry.statement_time].append(entry)
        return [self._statement(shop, time, entries, now) for time, entries in sorted(by_time.items())]

    def statement(self, shop: Shop, statement_id: str) -> tuple[Statement, list[StatementTransaction]]:
        now = self._clock.now()
        time = int(statement_id[: -len(_shop_part(shop))] or 0) if statement_id.isdigit() else -1
        entries = [entry for entry in self._entries(shop, now) if entry.statement_time == time]
        found = self._statement(shop, time, entries, now) if entries else None
        if found is None or found.id != statement_id:
            raise _no_statement(statement_id)
        return found, [entry.wire(found.id) for entry in entries]

    def order_transactions(self, shop: Shop, order_id: str) -> OrderTransactions:
        """The order's ORDER transactions so far, summed (adjustments are not in them)."""
        order = self._orders.order(shop, order_id)
        entries = [e for e in self._order_entries(order, self._clock.now()) if e.type == "ORDER"]
        return OrderTransactions(
            order_id=order.id,
            currency=order.payment.currency,
            revenue_amount=money(sum((e.revenue for e in entries), ZERO)),
            fee_and_tax_amount=money(sum((e.fee for e in entries), ZERO)),
            shipping_cost_amount=money(sum((e.shipping for e in entries), ZERO)),
            settlement_amount=money(sum((e.settlement for e in entries), ZERO)),
            sku_transactions=[],
        )

    def _statement(self, shop: Shop, time: int, entries: list[Entry], now: int) -> Statement:
        orders = [e for e in entries if e.type == "ORDER"]
        return Statement(
            id=f"{time}{_shop_part(shop)}",
            statement_time=time,
            revenue_amount=money(sum((e.revenue for e in orders), ZERO)),
            fee_amount=money(sum((e.fee + e.shipping for e in orders), ZERO)),
            adjustment_amount=money(sum((e.settlement for e in entries if e.type != "ORDER"), ZERO)),
            settlement_amount=money(sum((e.settlement for e in entries), ZERO)),
            currency=entries[0].order.payment.currency,
            payment_status="PAID" if now >= time + DAY else "PROCESSING",
            payment_id=f"{time + DAY}{_shop_part(shop)}",
        )

    def _entries(self, shop: Shop, now: int) -> list[Entry]:
        return [entry for order in self._orders.of_shop(shop) for entry in self._order_entries(order, now)]

    def _order_entries(self, order: Order, now: int) -> list[Entry]:
        if order.status != OrderStatus.COMPLETED or next_midnight(order.update_time) > now:
            return []
        settled_at = next_midnight(order.update_time)
        refunds = [
            (Decimal(r.refund_amount.refund_total), r)
            for r in self._aftersales.returns.values()
            if r.order_id == order.id and r.return_status == ReturnStatus.COMPLETE
        ]
        before = sum((amount for amount, r in refunds if r.update_time < settled_at), ZERO)
        revenue = Decimal(order.payment.total_amount) - before - self.shortfalls.get(order.id, ZERO)
        entries = [
            Entry(
                id=f"{order.id}01",
                type="ORDER",
                order=order,
                statement_time=settled_at,
                revenue=revenue,
                fee=-_fee(revenue),
                shipping=-self._label_price(order),
            )
        ]
        if int(order.id) % ADJUSTMENT_EVERY == 0:
            entries.append(
                Entry(f"{order.id}03", "LOGISTICS_REIMBURSEMENT", order, settled_at, ADJUSTMENT, ZERO, ZERO)
            )
        for amount, r in refunds:
            refunded_at = next_midnight(r.update_time)
            if r.update_time >= settled_at and refunded_at <= now:
                refund = Entry(f"{r.return_id}02", "ORDER", order, refunded_at, -amount, _fee(amount), ZERO)
                entries.append(refund)
        return entries

    def _label_price(self, order: Order) -> Decimal:
        return sum(
            (
                Decimal(package.label_price)
                for package in self._orders.packages_of(order)
                if package.shipping_type == ShippingType.TIKTOK and package.label_price is not None
            ),
            ZERO,
        )


def _fee(revenue: Decimal) -> Decimal:
    return (revenue * FEE_RATE).quantize(Decimal("0.01"))


def _shop_part(shop: Shop) -> str:
    return f"{int(shop.id) % 10**9:09d}"


def _no_statement(statement_id: str) -> ApiError:
    # The reference gives no code for an unknown statement id: TikTok's "invalid parameters" one.
    return ApiError(Code.INVALID_PARAMETERS, f"Invalid parameters: no statement {statement_id}.")
