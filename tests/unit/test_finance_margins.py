"""Per-order margin and mismatch flags (`creatorflow.finance`), and where the finance cursor goes next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from creatorflow.finance import (
    FinancePageResult,
    FinancePolicy,
    LabelCost,
    Refund,
    SettledOrder,
    next_cursor,
    order_finance,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
POLICY = FinancePolicy()
D = Decimal


def label(
    provider: str, cost: str, *, days_ago: int = 3, kept: bool = True, key: str = "order:s:o:label:1"
) -> LabelCost:
    return LabelCost(
        provider=provider,
        cost=D(cost),
        kept=kept,
        idempotency_key=key,
        created_at=NOW - timedelta(days=days_ago),
    )


def settled(total: str, revenue: str, fee: str, shipping: str, settlement: str) -> SettledOrder:
    return SettledOrder(
        currency="USD",
        first_statement_time=1_764_547_200,
        order_total=D(total),
        revenue_amount=D(revenue),
        fee_and_tax_amount=D(fee),
        shipping_cost_amount=D(shipping),
        settlement_amount=D(settlement),
    )


def test_a_seller_shipped_order_earns_its_settlement_less_our_label() -> None:
    result = order_finance(
        "s",
        "o",
        settled("40.00", "40.00", "-2.40", "0.00", "37.60"),
        [label("shippo", "5.25")],
        [],
        [],
        now=NOW,
        policy=POLICY,
        currency="USD",
    )
    assert (result.revenue, result.tiktok_fees, result.shipping) == (D("40.00"), D("2.40"), D("5.25"))
    assert (result.difference, result.margin, result.flags) == (D("0.00"), D("32.35"), [])


def test_tiktok_shipping_is_counted_once_from_the_settlement_and_checked_against_our_record() -> None:
    # We recorded TikTok's label at 6.10; TikTok took 6.10 in the settlement: no difference.
    result = order_finance(
        "s",
        "o",
        settled("40.00", "40.00", "-2.40", "-6.10", "31.50"),
        [label("tiktok", "6.10")],
        [],
        [],
        now=NOW,
        policy=POLICY,
        currency="USD",
    )
    assert (result.shipping, result.difference, result.margin) == (D("6.10"), D("0.00"), D("31.50"))
    # TikTok charged 2.00 more than the label's price: flagged, and the margin is what was really paid.
    dearer = order_finance(
        "s",
        "o",
        settled("40.00", "40.00", "-2.40", "-8.10", "29.50"),
        [label("tiktok", "6.10")],
        [],
        [],
        now=NOW,
        policy=POLICY,
        currency="USD",
    )
    assert (dearer.difference, dearer.margin, dearer.flags) == (
        D("-2.00"),
        D("29.50"),
        ["settlement_differs"],
    )


def test_refunds_and_return_labels_come_off_the_margin_and_explain_a_smaller_settlement() -> None:
    refunds = [
        Refund(status="RETURN_OR_REFUND_REQUEST_COMPLETE", amount=D("15.00"), return_label_cost=D("4.00")),
        Refund(status="REFUND_OR_RETURN_REQUEST_REJECT", amount=D("25.00"), return_label_cost=None),
    ]
    result = order_finance(
        "s",
        "o",
        settled("40.00", "25.00", "-1.50", "0.00", "23.50"),
        [label("easypost", "5.00")],
        refunds,
        [D("1.50")],
        now=NOW,
        policy=POLICY,
        currency="USD",
    )
    assert (result.refunds, result.return_labels, result.adjustments) == (D("15.00"), D("4.00"), D("1.50"))
    assert (result.difference, result.flags) == (D("0.00"), [])
    # 40 - 1.50 - 5 - 15 - 4 + 1.50 = 16.00 = settlement 23.50 + adjustment 1.50 - label 5 - return label 4
    assert result.margin == D("16.00")


def test_a_short_settlement_beyond_the_tolerance_is_flagged_and_one_within_is_not() -> None:
    short = settled("40.00", "35.00", "-2.10", "0.00", "32.90")
    result = order_finance("s", "o", short, [], [], [], now=NOW, policy=POLICY, currency="USD")
    assert (result.difference, result.flags) == (D("-5.00"), ["settlement_differs"])
    cent = settled("40.00", "40.00", "-2.40", "0.00", "37.56")
    assert order_finance("s", "o", cent, [], [], [], now=NOW, policy=POLICY, currency="USD").flags == []


def test_a_shipped_order_is_flagged_unsettled_only_after_the_configured_days() -> None:
    def flags(days_ago: int, **options: object) -> list[str]:
        labels = [label("shippo", "5.00", days_ago=days_ago, **options)]  # type: ignore[arg-type]
        found = order_finance("s", "o", None, labels, [], [], now=NOW, policy=POLICY, currency="USD")
        assert found.margin is None and found.settlement is None
        return list(found.flags)

    assert flags(13) == []
    assert flags(14) == ["unsettled"]
    assert flags(30, kept=False) == []  # its label was refunded: it never shipped
    assert flags(30, key="order:s:o:return-label:r1") == []  # a return label is no shipment
    assert order_finance(
        "s",
        "o",
        None,
        [label("shippo", "5.00", days_ago=3)],
        [],
        [],
        now=NOW,
        policy=FinancePolicy(unsettled_after=timedelta(days=2)),
        currency="USD",
    ).flags == ["unsettled"]


def test_the_cursor_waits_at_the_oldest_unpaid_statement_else_moves_past_the_newest() -> None:
    paid = FinancePageResult(statements=2, transactions=4, orders=3, newest_statement_time=200)
    unpaid = FinancePageResult(
        statements=1, transactions=1, orders=1, newest_statement_time=300, oldest_unpaid_statement_time=300
    )
    assert next_cursor(100, [paid]) == 201
    assert next_cursor(100, [paid, unpaid]) == 300
    assert next_cursor(100, [FinancePageResult(statements=0, transactions=0, orders=0)]) == 100
    assert next_cursor(500, [paid]) == 500  # never back
