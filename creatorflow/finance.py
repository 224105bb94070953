"""Finance: what TikTok settled for each order, what it cost us, the margin, and what does not add up.

The finance sync (`workflows.finance`, daily on a Schedule per shop) copies TikTok's statements, their
transactions and each settled order's figures into the store (`creatorflow.store.finance`). This module
is the arithmetic over them, as plain data:

- revenue: the order's `total_amount` (TikTok's order detail), what the order implies;
- TikTok fees: the order's `fee_and_tax_amount`; shipping: our labels' cost (Shippo, EasyPost, and
  TikTok's label at the price we bought it for), or, for an order shipped on a TikTok label we did not buy,
  what TikTok charged (`shipping_cost_amount`);
- refunds: the refunds our returns table recorded as done; return labels: their cost, as recorded there;
- adjustments: the order's transactions that are neither ORDER nor RESERVE (reimbursements, deductions);
- difference: TikTok's settlement minus what the order and labels imply (revenue - refunds - fees - TikTok's
  label as above): non-zero when TikTok paid other than expected (short revenue, a dearer label, a refund
  we do not know of or TikTok did not settle yet);
- margin = revenue - fees - shipping - refunds - return labels + adjustments + difference, which is the
  money TikTok paid for the order less what we paid to ship it and take it back.

Flags: `unsettled` (shipped, an outbound label older than `unsettled_after`, and no settlement) and
`settlement_differs` (|difference| over `tolerance`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from creatorflow.aftersales import RETURN_DONE
from creatorflow.domain import Provider
from creatorflow.names import RETURN_LABEL_KEY_PART

FINANCE_CURSOR = "finance"  # the name of the finance sync's cursor in the store, per shop
SETTLING_TYPES = frozenset({"ORDER", "RESERVE"})  # every other transaction type is an adjustment
ZERO = Decimal(0)
Flag = Literal["unsettled", "settlement_differs"]


class FinancePolicy(BaseModel):
    """Part of `Settings` (`CREATORFLOW_FINANCE__*`)."""

    model_config = ConfigDict(frozen=True)

    # A shipped order with no settlement this long after its label was bought is flagged `unsettled`.
    unsettled_after: timedelta = Field(default=timedelta(days=14), gt=timedelta(0))
    # A settlement further than this from what the order and labels imply is flagged.
    tolerance: Decimal = Field(default=Decimal("0.05"), ge=0)
    # A shop's first sync (no cursor yet) reads statements this far back.
    first_sync_lookback: timedelta = Field(default=timedelta(days=90), gt=timedelta(0))
    # Statements one activity reads (each with all its transactions and orders).
    statements_per_page: int = Field(default=10, ge=1, le=100)
    # The daily Schedule runs at this UTC hour: TikTok generates statements at 00:00 UTC.
    sync_hour_utc: int = Field(default=2, ge=0, le=23)


# --- the sync's messages -----------------------------------------------------------------------------


class FinanceSyncInput(BaseModel):
    shop_id: str
    policy: FinancePolicy = FinancePolicy()
    since: int | None = None  # Unix s: read statements from here instead of the shop's cursor


class FinancePageRequest(BaseModel):
    shop_id: str
    statement_time_ge: int
    page_token: str = ""
    page_size: int


class FinancePageResult(BaseModel):
    statements: int
    transactions: int
    orders: int
    next_page_token: str = ""
    newest_statement_time: int = 0  # 0: no statement on the page
    oldest_unpaid_statement_time: int | None = None  # PROCESSING ones: their payment status will change


class FinanceSyncProgress(BaseModel):
    shop_id: str
    since: int
    statements: int = 0
    transactions: int = 0
    orders: int = 0
    cursor: int = 0  # where the next sync starts reading
    done: bool = False

    def add(self, page: FinancePageResult) -> None:
        self.statements += page.statements
        self.transactions += page.transactions
        self.orders += page.orders


def next_cursor(current: int, pages: Sequence[FinancePageResult]) -> int:
    """From the oldest statement not paid yet (it will change), else just after the newest one read."""
    unpaid = [p.oldest_unpaid_statement_time for p in pages if p.oldest_unpaid_statement_time is not None]
    if unpaid:
        return max(current, min(unpaid))
    newest = max((p.newest_statement_time for p in pages), default=0)
    return max(current, newest + 1) if newest else current


# --- per-order figures -------------------------------------------------------------------------------


class SettledOrder(BaseModel):
    """TikTok's figures for one order (`FinanceOrderRow`'s fields)."""

    currency: str
    first_statement_time: int
    order_total: Decimal | None
    revenue_amount: Decimal | None
    fee_and_tax_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    settlement_amount: Decimal | None


class LabelCost(BaseModel):
    provider: str
    cost: Decimal
    kept: bool  # not refunded
    idempotency_key: str
    created_at: datetime

    @property
    def outbound(self) -> bool:
        return RETURN_LABEL_KEY_PART not in self.idempotency_key


class Refund(BaseModel):
    status: str
    amount: Decimal | None
    return_label_cost: Decimal | None


class OrderFinance(BaseModel):
    shop_id: str
    order_id: str
    currency: str
    statement_time: int | None  # the statement that first settled it; None: not settled
    shipped_at: datetime | None  # when its first outbound label was bought
    revenue: Decimal
    tiktok_fees: Decimal
    shipping: Decimal
    refunds: Decimal
    return_labels: Decimal
    adjustments: Decimal
    settlement: Decimal | None  # what TikTok paid for it (ORDER transactions), adjustments aside
    difference: Decimal | None  # settlement - what the order and labels imply
    margin: Decimal | None  # None until settled: TikTok's fees are not known before
    flags: list[Flag]


def order_finance(
    shop_id: str,
    order_id: str,
    settled: SettledOrder | None,
    labels: Sequence[LabelCost],
    refunds: Sequence[Refund],
    adjustments: Iterable[Decimal],
    *,
    now: datetime,
    policy: FinancePolicy,
    currency: str,
) -> OrderFinance:
    outbound = [label for label in labels if label.outbound and label.kept]
    ours = _sum(label.cost for label in outbound if label.provider != Provider.TIKTOK)
    tiktok_label = _sum(label.cost for label in outbound if label.provider == Provider.TIKTOK)
    done = [refund for refund in refunds if refund.status in RETURN_DONE]
    refunded = _sum(refund.amount or ZERO for refund in done)
    return_labels = _sum(refund.return_label_cost or ZERO for refund in refunds)
    adjusted = _sum(adjustments)
    shipped_at = min((label.created_at for label in outbound), default=None)
    flags: list[Flag] = []
    if settled is None:
        if shipped_at is not None and now - shipped_at >= policy.unsettled_after:
            flags.append("unsettled")
        return OrderFinance(
            shop_id=shop_id,
            order_id=order_id,
            currency=currency,
            statement_time=None,
            shipped_at=shipped_at,
            revenue=ZERO,
            tiktok_fees=ZERO,
            shipping=ours,
            refunds=refunded,
            return_labels=return_labels,
            adjustments=adjusted,
            settlement=None,
            difference=None,
            margin=None,
            flags=flags,
        )
    fees = -(settled.fee_and_tax_amount or ZERO)
    # TikTok's label at the price we recorded when we bought it (a dearer charge shows as a difference);
    # with no TikTok label of ours, what TikTok charged for shipping.
    tiktok_labels = [label for label in outbound if label.provider == Provider.TIKTOK]
    if not tiktok_labels:
        tiktok_label = -(settled.shipping_cost_amount or ZERO)
    settlement = settled.settlement_amount or ZERO
    # Without the order's total, TikTok's revenue (net of the refunds it took back) stands for it.
    revenue = (
        settled.order_total
        if settled.order_total is not None
        else (settled.revenue_amount or ZERO) + refunded
    )
    difference = settlement - (revenue - refunded - fees - tiktok_label)
    if abs(difference) > policy.tolerance:
        flags.append("settlement_differs")
    shipping = ours + tiktok_label
    margin = revenue - fees - shipping - refunded - return_labels + adjusted + difference
    return OrderFinance(
        shop_id=shop_id,
        order_id=order_id,
        currency=currency,
        statement_time=settled.first_statement_time,
        shipped_at=shipped_at,
        revenue=revenue,
        tiktok_fees=fees,
        shipping=shipping,
        refunds=refunded,
        return_labels=return_labels,
        adjustments=adjusted,
        settlement=settlement,
        difference=difference,
        margin=margin,
        flags=flags,
    )


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)
