"""Per-shop rules choose among quoted rates and say why every other rate lost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from creatorflow.domain import Provider, Rate
from creatorflow.shipping.errors import NoEligibleRateError
from creatorflow.shipping.rules import RuleBook, RuleContext, ShippingRule

TODAY = date(2026, 3, 2)


def rate(
    carrier: str, service: str, amount: str, days: int | None, provider: Provider = Provider.SHIPPO
) -> Rate:
    return Rate(
        provider=provider,
        rate_id=f"{provider.value}-{service}",
        shipment_id="shp",
        carrier=carrier,
        service=service,
        amount=Decimal(amount),
        currency="USD",
        delivery_days=days,
    )


GROUND = rate("USPS", "usps_ground_advantage", "6.10", 5)
UPS_GROUND = rate("UPS", "ups_ground", "5.95", 4)
PRIORITY = rate("USPS", "usps_priority", "8.30", 2)
EP_GROUND = rate("USPS", "GroundAdvantage", "6.35", 5, Provider.EASYPOST)
QUOTES = [PRIORITY, EP_GROUND, GROUND, UPS_GROUND]


def context(**changes: Any) -> RuleContext:
    base: dict[str, Any] = {
        "weight_oz": Decimal(12),
        "country": "US",
        "state": "CA",
        "order_value": Decimal(25),
        "skus": frozenset({"serum"}),
        "ship_on": TODAY,
    }
    return RuleContext(**(base | changes))


NO_UPS_UNDER_1LB = ShippingRule(
    name="no UPS under 1 lb", weight_under_oz=Decimal(16), deny_carriers=frozenset({"ups"})
)


def test_without_rules_the_cheapest_wins_and_the_baseline_is_recorded() -> None:
    decision = RuleBook(default_service="usps_priority").choose(QUOTES, context())
    assert decision.chosen == UPS_GROUND and decision.decided_by is None
    assert decision.baseline == PRIORITY
    assert [loss.rate for loss in decision.losers] == [GROUND, EP_GROUND, PRIORITY]
    assert {loss.reason for loss in decision.losers} == {"costs more"}
    assert decision.summary() == (
        "chose UPS ups_ground $5.95; USPS usps_ground_advantage $6.10 costs more; "
        "default USPS usps_priority $8.30: saves $2.35"
    )


def test_a_deny_rule_decides_and_the_summary_says_so() -> None:
    book = RuleBook(rules=(NO_UPS_UNDER_1LB,), default_service="usps_ground_advantage")
    decision = book.choose(QUOTES, context())
    assert decision.chosen == GROUND and decision.decided_by == "no UPS under 1 lb"
    assert decision.baseline == GROUND
    assert decision.summary() == (
        "chose USPS usps_ground_advantage $6.10 by rule 'no UPS under 1 lb'; "
        "UPS ups_ground $5.95 carrier UPS is denied by rule 'no UPS under 1 lb'; "
        "USPS GroundAdvantage $6.35 costs more"
    )
    # Over a pound the rule does not apply.
    assert book.choose(QUOTES, context(weight_oz=Decimal(16))).chosen == UPS_GROUND
    explanation = decision.explanation(context())
    assert explanation.summary == decision.summary()
    assert [v.rejected_because is None for v in explanation.verdicts] == [True, False, False, False]


def test_conditions_on_destination_value_and_skus() -> None:
    rule = ShippingRule(
        name="fast for big CA orders with serum",
        countries=frozenset({"us"}),
        states=frozenset({"ca", "ny"}),
        value_at_least=Decimal(20),
        skus=frozenset({"serum", "mask"}),
        max_delivery_days=2,
    )
    book = RuleBook(rules=(rule,))
    assert book.choose(QUOTES, context()).chosen == PRIORITY
    for other in (
        context(state="TX"),
        context(country="CA"),
        context(order_value=Decimal("19.99")),
        context(order_value=None),  # TikTok gave no total: a rule on order value does not apply
        context(skus=frozenset({"tote"})),
    ):
        assert book.choose(QUOTES, other).chosen == UPS_GROUND
    disabled = RuleBook(rules=(rule.model_copy(update={"enabled": False}),))
    assert disabled.choose(QUOTES, context()).chosen == UPS_GROUND
    slow = book.choose(QUOTES, context()).losers[0]
    assert slow.reason == "slower than the 2 days required (4 days)" and slow.rule == rule.name


def test_only_carriers_tiktok_takes_for_the_order_are_bought() -> None:
    """A label from a carrier TikTok does not list for the order's delivery option could not be shipped."""
    decision = RuleBook().choose(QUOTES, context(tiktok_carriers=frozenset({"USPS", "DHL eCommerce"})))
    assert decision.chosen == GROUND
    [ups] = [loss for loss in decision.losers if loss.rate == UPS_GROUND]
    assert ups.reason == "is not a carrier TikTok takes for this order" and ups.rule is None
    with pytest.raises(NoEligibleRateError, match=r"UPS ups_ground \$5\.95 is not a carrier TikTok takes"):
        RuleBook().choose([UPS_GROUND], context(tiktok_carriers=frozenset({"usps"})))
    assert RuleBook().choose(QUOTES, context(tiktok_carriers=None)).chosen == UPS_GROUND  # not known


def test_providers_price_cap_and_the_order_deadline() -> None:
    book = RuleBook(
        rules=(
            ShippingRule(name="easypost only", allow_providers=frozenset({Provider.EASYPOST})),
            ShippingRule(name="cap", price_cap=Decimal(6)),
        )
    )
    with pytest.raises(NoEligibleRateError) as raised:
        book.choose(QUOTES, context())
    summary = raised.value.explanation.summary
    assert summary.startswith("none of 4 quoted rates passes the shop's rules")
    assert "USPS GroundAdvantage $6.35 over the $6.00 cap by rule 'cap'" in summary
    assert "provider shippo is not allowed by rule 'easypost only'" in summary

    decision = RuleBook().choose(QUOTES, context(deliver_by=date(2026, 3, 5)))
    assert decision.chosen == PRIORITY and decision.decided_by is None  # the order's deadline, no rule
    late = decision.losers[0]
    assert late.rate == UPS_GROUND and late.rule is None
    assert late.reason == "arrives 2026-03-06, after the 2026-03-05 deadline"


def test_a_provider_preferred_within_a_margin() -> None:
    prefer = ShippingRule(
        name="easypost within 5%", prefer_provider=Provider.EASYPOST, prefer_within_percent=Decimal(5)
    )
    book = RuleBook(rules=(NO_UPS_UNDER_1LB, prefer))
    decision = book.choose(QUOTES, context())
    assert decision.chosen == EP_GROUND and decision.decided_by == "easypost within 5%"
    assert decision.losers[1].describe() == (
        "USPS usps_ground_advantage $6.10 is cheaper, but easypost is preferred within 5% "
        "by rule 'easypost within 5%'"
    )
    tight = RuleBook(
        rules=(NO_UPS_UNDER_1LB, prefer.model_copy(update={"prefer_within_percent": Decimal(4)}))
    )
    assert tight.choose(QUOTES, context()).chosen == GROUND  # 6.35 is 4.1% over 6.10


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "deny_carrier": ["UPS"]}, "Extra inputs are not permitted"),
        ({"name": "", "deny_carriers": ["UPS"]}, "at least 1 character"),
        (
            {"name": "x", "weight_at_least_oz": 20, "weight_under_oz": 16, "deny_carriers": ["UPS"]},
            "'at least' 20 is not under",
        ),
        ({"name": "x", "value_at_least": 50, "value_under": 50, "price_cap": 5}, "order value 'at least' 50"),
        (
            {"name": "x", "prefer_provider": "shippo", "prefer_within_percent": -1},
            "greater than or equal to 0",
        ),
        ({"name": "x", "prefer_provider": "shippo"}, "go together"),
        ({"name": "x", "deny_providers": ["fedex"]}, "'shippo', 'easypost' or 'tiktok'"),
        ({"name": "x", "countries": ["USA"], "price_cap": 5}, "alpha-2"),
        ({"name": "x", "allow_carriers": ["UPS"], "deny_carriers": ["ups"]}, "both allowed and denied"),
        ({"name": "x", "countries": ["US"]}, "has no effect"),
        ({"name": "it's", "price_cap": 5}, "without single quotes"),
    ],
)
def test_a_bad_rule_is_a_clear_error(body: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ShippingRule.model_validate(body)


def test_rule_names_are_unique_in_a_book() -> None:
    with pytest.raises(ValidationError, match="rule names must differ"):
        RuleBook(rules=(NO_UPS_UNDER_1LB, NO_UPS_UNDER_1LB.model_copy(update={"name": "No UPS under 1 LB"})))
