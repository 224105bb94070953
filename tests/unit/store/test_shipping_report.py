"""`creatorflow report shipping`: spend and savings per shop, currency and kind of label, on SQLite and
PostgreSQL. The figures are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from creatorflow.reports import LabelFigures, shipping_report
from creatorflow.store import Store
from creatorflow.store.tables import LabelRow, LabelStatus

MARCH = datetime(2026, 3, 2, 12, tzinfo=UTC)
FIGURES = list(LabelFigures.model_fields)


def label(
    key: str,
    shop_id: str,
    provider: str,
    carrier: str,
    service: str,
    cost: str,
    baseline: str | None,
    status: LabelStatus = LabelStatus.PURCHASED,
    currency: str = "USD",
    created_at: datetime = MARCH,
) -> LabelRow:
    return LabelRow(
        idempotency_key=key,
        shop_id=shop_id,
        order_id=key.split(":")[2],
        provider=provider,
        provider_label_id=f"lbl-{key}",
        carrier=carrier,
        service=service,
        cost=Decimal(cost),
        currency=currency,
        baseline_cost=None if baseline is None else Decimal(baseline),
        baseline_service=None if baseline is None else "Ground Advantage",
        status=status,
        created_at=created_at,
    )


def seed(store: Store) -> None:
    for row in (
        # shop-1, USD, outbound
        label("order:shop-1:a:label:0", "shop-1", "shippo", "USPS", "Priority", "8.00", "12.00"),
        label("order:shop-1:b:label:0", "shop-1", "shippo", "USPS", "Ground Advantage", "5.50", "5.50"),
        label("order:shop-1:c:label:0", "shop-1", "easypost", "UPS", "Ground", "9.00", "7.00"),
        label(
            "order:shop-1:d:label:0",
            "shop-1",
            "shippo",
            "USPS",
            "Priority",
            "8.00",
            "10.00",
            LabelStatus.REFUNDED,
        ),
        label(
            "order:shop-1:e:label:0", "shop-1", "shippo", "USPS", "Priority", "7.25", None
        ),  # an older label
        label(
            "order:shop-1:f:label:0",
            "shop-1",
            "easypost",
            "UPS",
            "Ground",
            "9.40",
            "9.00",
            LabelStatus.REFUND_REQUESTED,
        ),
        # shop-1, GBP: never added to the dollars
        label(
            "order:shop-1:g:label:0",
            "shop-1",
            "easypost",
            "RoyalMail",
            "Tracked48",
            "3.20",
            "4.00",
            currency="GBP",
        ),
        # shop-1, USD, a return label
        label("order:shop-1:a:return-label:r1", "shop-1", "shippo", "USPS", "Ground Advantage", "6.10", None),
        # shop-2, USD; the last one bought before the report's --since
        label("order:shop-2:i:label:0", "shop-2", "shippo", "USPS", "Priority", "11.00", "11.00"),
        label(
            "order:shop-2:j:label:0",
            "shop-2",
            "shippo",
            "USPS",
            "Priority",
            "12.00",
            None,
            LabelStatus.REFUNDED,
        ),
        label(
            "order:shop-2:k:label:0",
            "shop-2",
            "shippo",
            "USPS",
            "Priority",
            "12.00",
            "15.00",
            created_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        ),
    ):
        store.save_label(row)


def figures(line: LabelFigures) -> tuple[object, ...]:
    return tuple(getattr(line, name) for name in FIGURES)


def test_spend_and_savings_per_shop_currency_and_kind(store: Store) -> None:
    seed(store)

    report = shipping_report(store, since=datetime(2026, 1, 1, tzinfo=UTC))

    assert [(g.shop_id, g.currency, g.kind) for g in report.groups] == [
        ("shop-1", "GBP", "outbound"),
        ("shop-1", "USD", "outbound"),
        ("shop-1", "USD", "return"),
        ("shop-2", "USD", "outbound"),
    ]
    pounds, dollars, returns, shop_2 = report.groups
    # Each tuple: bought, bought cost, refunded, refunded cost, refunds pending, their cost, net spend,
    # average, with baseline, without, spend with baseline, baseline cost, savings, savings %.
    assert figures(dollars) == (
        # a..f: 8 + 5.50 + 9 + 8 + 7.25 + 9.40 = 47.15; d refunded (8.00): 39.15 net over 5 labels.
        # Compared: a, b, c, f (e has no baseline, d was refunded): spent 31.90 against 12 + 5.50 + 7 + 9.
        *(6, Decimal("47.15"), 1, Decimal("8.00"), 1, Decimal("9.40"), Decimal("39.15"), Decimal("7.83")),
        *(4, 1, Decimal("31.90"), Decimal("33.50"), Decimal("1.60"), Decimal("4.8")),
    )
    assert [(line.provider, line.carrier, line.service) for line in dollars.by_service] == [
        ("shippo", "USPS", "Priority"),
        ("easypost", "UPS", "Ground"),
        ("shippo", "USPS", "Ground Advantage"),
    ]
    priority, ups, ground_advantage = dollars.by_service
    assert figures(priority) == (  # a, d (refunded), e (no baseline); 15.25 / 2 rounds half up
        *(3, Decimal("23.25"), 1, Decimal("8.00"), 0, Decimal("0"), Decimal("15.25"), Decimal("7.63")),
        *(1, 1, Decimal("8.00"), Decimal("12.00"), Decimal("4.00"), Decimal("33.3")),
    )
    assert figures(ups) == (  # the rules chose dearer than the default service: negative savings
        *(2, Decimal("18.40"), 0, Decimal("0"), 1, Decimal("9.40"), Decimal("18.40"), Decimal("9.20")),
        *(2, 0, Decimal("18.40"), Decimal("16.00"), Decimal("-2.40"), Decimal("-15.0")),
    )
    assert figures(ground_advantage) == (
        *(1, Decimal("5.50"), 0, Decimal("0"), 0, Decimal("0"), Decimal("5.50"), Decimal("5.50")),
        *(1, 0, Decimal("5.50"), Decimal("5.50"), Decimal("0"), Decimal("0.0")),
    )
    assert figures(pounds) == (
        *(1, Decimal("3.20"), 0, Decimal("0"), 0, Decimal("0"), Decimal("3.20"), Decimal("3.20")),
        *(1, 0, Decimal("3.20"), Decimal("4.00"), Decimal("0.80"), Decimal("20.0")),
    )
    assert figures(returns) == (  # no baseline: no savings, and no percentage of nothing
        *(1, Decimal("6.10"), 0, Decimal("0"), 0, Decimal("0"), Decimal("6.10"), Decimal("6.10")),
        *(0, 1, Decimal("0"), Decimal("0"), Decimal("0"), None),
    )
    assert figures(shop_2) == (  # i and j; k is older than --since; j was refunded, so not "without"
        *(2, Decimal("23.00"), 1, Decimal("12.00"), 0, Decimal("0"), Decimal("11.00"), Decimal("11.00")),
        *(1, 0, Decimal("11.00"), Decimal("11.00"), Decimal("0"), Decimal("0.0")),
    )
    assert "adjustments are not reported" in report.adjustments


def test_one_shop_and_all_time(store: Store) -> None:
    seed(store)

    [shop_2] = shipping_report(store, shop_id="shop-2").groups

    assert (shop_2.shop_id, shop_2.bought, shop_2.net_spend, shop_2.savings) == (
        "shop-2",
        3,
        Decimal("23.00"),  # i and k
        Decimal("3.00"),  # k: 15.00 - 12.00
    )
    assert shipping_report(store, shop_id="no-such-shop").groups == []
