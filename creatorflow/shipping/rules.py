"""A shop's shipping rules: which quoted rate to buy for an order, and why each other one lost.

A `RuleBook` is the shop's ordered list of `ShippingRule`s plus its default service. A rule applies to an
order when all its conditions hold (weight, destination, order value, SKUs); an applying rule removes the
rates its effects forbid (providers, carriers, services, a price cap, a speed) and may prefer a provider
within a margin. Of the rates left the cheapest wins, unless the first applying preference picks a
dearer one within its margin. Carrier and service allow/deny lists mean what `RatePolicy` says they do.

The decision names the rule that decided, every other rate with why it lost, and the baseline: the
seller's default service as quoted, before any rule, so a label shows what the rules saved or cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from creatorflow.domain import DomainModel, Provider, Rate, RateExplanation, RateVerdict, same_carrier
from creatorflow.shipping.errors import NoEligibleRateError
from creatorflow.shipping.policy import RatePolicy

_NO_PROMISE = 10_000  # sorts rates without a delivery promise after every rate with one


def _codes(codes: frozenset[str]) -> frozenset[str]:
    """ISO country or state codes, upper case (TikTok's state names are mapped before they get here)."""
    return frozenset(code.strip().upper() for code in codes)


Codes = Annotated[frozenset[str], AfterValidator(_codes)]


class RuleContext(DomainModel):
    """What the rules may look at about one order."""

    weight_oz: Decimal = Field(gt=0, description="the order's packed weight")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="destination, ISO 3166-1 alpha-2")
    state: str = Field(default="", description="destination state or province code")
    order_value: Decimal | None = Field(ge=0, description="None: TikTok gave no total; value rules skip it")
    currency: str | None = Field(default=None, description="the order's; None: rates in any currency")
    skus: frozenset[str] = frozenset()
    ship_on: date
    deliver_by: date | None = None
    # The carriers TikTok takes for the order's delivery option (None: not known): a label from another
    # carrier could not be shipped on TikTok.
    tiktok_carriers: frozenset[str] | None = None

    def takes(self, rate: Rate) -> bool:
        """Whether TikTok accepts this rate's label for the order: its own labels always."""
        known = self.tiktok_carriers
        if known is None or rate.provider is Provider.TIKTOK:
            return True
        return any(same_carrier(rate.carrier, name) for name in known)


class ShippingRule(DomainModel):
    """One seller rule. Conditions left empty hold for every order; weights are in ounces, money in
    the shop's currency; "at least" bounds include the value, "under" bounds exclude it."""

    name: str = Field(min_length=1, max_length=80)
    enabled: bool = True
    # When it applies (all given conditions hold).
    weight_at_least_oz: Decimal | None = Field(default=None, ge=0)
    weight_under_oz: Decimal | None = Field(default=None, gt=0)
    countries: Codes = frozenset()
    states: Codes = frozenset()
    value_at_least: Decimal | None = Field(default=None, ge=0)
    value_under: Decimal | None = Field(default=None, gt=0)
    skus: frozenset[str] = Field(default=frozenset(), description="any of these SKUs in the order")
    # What it does.
    allow_providers: frozenset[Provider] = frozenset()
    deny_providers: frozenset[Provider] = frozenset()
    allow_carriers: frozenset[str] = frozenset()
    deny_carriers: frozenset[str] = frozenset()
    allow_services: frozenset[str] = frozenset()
    deny_services: frozenset[str] = frozenset()
    price_cap: Decimal | None = Field(default=None, gt=0)
    max_delivery_days: int | None = Field(default=None, ge=1, description="promised days in transit")
    prefer_provider: Provider | None = None
    prefer_within_percent: Decimal | None = Field(default=None, ge=0, le=100)

    @field_validator("countries")
    @classmethod
    def _alpha2(cls, countries: frozenset[str]) -> frozenset[str]:
        wrong = sorted(code for code in countries if not re.fullmatch(r"[A-Z]{2}", code))
        if wrong:
            raise ValueError(f"countries are ISO 3166-1 alpha-2 codes such as US; not {wrong}")
        return countries

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        if "'" in name or not name.isprintable():
            raise ValueError("a rule name is one printable line without single quotes")
        return name

    @model_validator(mode="after")
    def _coherent(self) -> ShippingRule:
        for low, high, what in (
            (self.weight_at_least_oz, self.weight_under_oz, "weight"),
            (self.value_at_least, self.value_under, "order value"),
        ):
            if low is not None and high is not None and low >= high:
                raise ValueError(
                    f"rule {self.name!r}: {what} 'at least' {low} is not under the 'under' {high}"
                )
        if (self.prefer_provider is None) != (self.prefer_within_percent is None):
            raise ValueError(f"rule {self.name!r}: prefer_provider and prefer_within_percent go together")
        for allowed, denied, what in (
            (self.allow_providers, self.deny_providers, "provider"),
            (_casefolded(self.allow_carriers), _casefolded(self.deny_carriers), "carrier"),
            (_casefolded(self.allow_services), _casefolded(self.deny_services), "service"),
        ):
            if allowed & denied:
                raise ValueError(
                    f"rule {self.name!r}: {what} {sorted(allowed & denied)} both allowed and denied"
                )
        effects = (
            self.allow_providers,
            self.deny_providers,
            self.allow_carriers,
            self.deny_carriers,
            self.allow_services,
            self.deny_services,
            self.price_cap,
            self.max_delivery_days,
            self.prefer_provider,
        )
        if not any(effect for effect in effects):
            raise ValueError(f"rule {self.name!r} has no effect: allow, deny, cap, speed or prefer something")
        return self

    def applies_to(self, context: RuleContext) -> bool:
        weight, value = context.weight_oz, context.order_value
        return (
            self.enabled
            and (self.weight_at_least_oz is None or weight >= self.weight_at_least_oz)
            and (self.weight_under_oz is None or weight < self.weight_under_oz)
            and (not self.countries or context.country in self.countries)
            and (not self.states or context.state.upper() in self.states)
            and (self.value_at_least is None or (value is not None and value >= self.value_at_least))
            and (self.value_under is None or (value is not None and value < self.value_under))
            and (not self.skus or bool(self.skus & context.skus))
        )

    def rejection(self, rate: Rate, context: RuleContext) -> str | None:
        """Why this rule forbids `rate`, or None if it does not (whether it applies is asked apart)."""
        if rate.provider in self.deny_providers:
            return f"provider {rate.provider.value} is denied"
        if self.allow_providers and rate.provider not in self.allow_providers:
            return f"provider {rate.provider.value} is not allowed"
        listed = RatePolicy(
            allow_carriers=self.allow_carriers,
            deny_carriers=self.deny_carriers,
            allow_services=self.allow_services,
            deny_services=self.deny_services,
            currency=context.currency,
        ).rejection(rate, ship_on=context.ship_on, deliver_by=None)
        if listed is not None:
            return listed
        if self.price_cap is not None and rate.amount > self.price_cap:
            return f"over the {_money(self.price_cap, rate.currency)} cap"
        if self.max_delivery_days is not None and (
            rate.delivery_days is None or rate.delivery_days > self.max_delivery_days
        ):
            promise = "no promise" if rate.delivery_days is None else f"{rate.delivery_days} days"
            return f"slower than the {self.max_delivery_days} days required ({promise})"
        return None


def _casefolded(names: frozenset[str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


class RateLoss(DomainModel):
    """A quoted rate that was not bought, and why; `rule` names the rule behind it, if one was."""

    rate: Rate
    reason: str
    rule: str | None = None

    def describe(self) -> str:
        by = f" by rule '{self.rule}'" if self.rule else ""
        return f"{_rate(self.rate)} {self.reason}{by}"


class RateDecision(DomainModel):
    chosen: Rate
    decided_by: str | None = Field(description="the rule that changed the pick from the cheapest, if any")
    losers: tuple[RateLoss, ...] = Field(description="every other quote, cheapest first")
    baseline: Rate | None = Field(description="the default service as quoted, before any rule")

    def summary(self) -> str:
        """One sentence: the pick, every cheaper quote and why it lost, the next dearer one, the baseline."""
        parts = [f"chose {_rate(self.chosen)}" + (f" by rule '{self.decided_by}'" if self.decided_by else "")]
        cheaper = [loss for loss in self.losers if loss.rate.amount <= self.chosen.amount]
        dearer = [loss for loss in self.losers if loss.rate.amount > self.chosen.amount]
        parts += [loss.describe() for loss in cheaper + dearer[:1]]
        if self.baseline is not None and self.baseline != self.chosen:
            saved = self.baseline.amount - self.chosen.amount
            money = _money(abs(saved), self.chosen.currency)
            parts.append(
                f"default {_rate(self.baseline)}: "
                + (f"saves {money}" if saved >= 0 else f"costs {money} more")
            )
        return "; ".join(parts)

    def explanation(self, context: RuleContext) -> RateExplanation:
        """The decision as the explanation a label carries."""
        verdicts = [RateVerdict(rate=self.chosen)] + [
            RateVerdict(rate=loss.rate, rejected_because=loss.describe()) for loss in self.losers
        ]
        return RateExplanation(
            summary=self.summary(),
            ship_on=context.ship_on,
            deliver_by=context.deliver_by,
            verdicts=verdicts,
            decided_by=self.decided_by,
            baseline=self.baseline,
        )


class RuleBook(DomainModel):
    """A shop's rules, in the order the seller gave them, and its default service (a provider's service
    code as quotes carry it, e.g. `usps_ground_advantage`), compared case-insensitively."""

    rules: tuple[ShippingRule, ...] = ()
    default_service: str | None = None

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: tuple[ShippingRule, ...]) -> tuple[ShippingRule, ...]:
        names = [rule.name.casefold() for rule in rules]
        twice = sorted({rule.name for rule in rules if names.count(rule.name.casefold()) > 1})
        if twice:
            raise ValueError(f"rule names must differ: {twice}")
        return rules

    def pinned(self, provider: Provider | None, service: str | None) -> RuleBook:
        """The book with an operator's reship choice first: only that provider (and service) may win."""
        if provider is None and service is None:
            return self
        operator = ShippingRule(
            name="operator reship",
            allow_providers=frozenset({provider}) if provider else frozenset(),
            allow_services=frozenset({service}) if service else frozenset(),
        )
        return self.model_copy(update={"rules": (operator, *self.rules)})

    def choose(self, rates: Sequence[Rate], context: RuleContext) -> RateDecision:
        """The rate to buy. Raises `NoEligibleRateError` (with every rate's reason) when none passes."""
        if not rates:
            raise ValueError("choose needs at least one quoted rate")
        by_price = sorted(rates, key=_price_order)
        applying = [rule for rule in self.rules if rule.applies_to(context)]
        order_policy = RatePolicy(currency=context.currency)
        losers: dict[int, RateLoss] = {}
        for index, rate in enumerate(by_price):
            reason = order_policy.rejection(rate, ship_on=context.ship_on, deliver_by=context.deliver_by)
            if reason is None and not context.takes(rate):
                reason = "is not a carrier TikTok takes for this order"
            if reason is not None:
                losers[index] = RateLoss(rate=rate, reason=reason)
                continue
            for rule in applying:
                reason = rule.rejection(rate, context)
                if reason is not None:
                    losers[index] = RateLoss(rate=rate, reason=reason, rule=rule.name)
                    break
        eligible = [index for index in range(len(by_price)) if index not in losers]
        if not eligible:
            raise NoEligibleRateError(self._nothing_left(by_price, list(losers.values()), context))
        chosen, decided_by = eligible[0], None
        preferring = next((rule for rule in applying if rule.prefer_provider is not None), None)
        if preferring is not None:
            chosen, decided_by = self._preferred(by_price, eligible, preferring, losers)
        if decided_by is None:
            decided_by = next(
                (loss.rule for i, loss in sorted(losers.items()) if i < chosen and loss.rule), None
            )
        for index in eligible:
            if index != chosen and index not in losers:
                losers[index] = RateLoss(rate=by_price[index], reason="costs more")
        return RateDecision(
            chosen=by_price[chosen],
            decided_by=decided_by,
            losers=tuple(loss for _, loss in sorted(losers.items())),
            baseline=self._baseline(by_price),
        )

    def _preferred(
        self, by_price: list[Rate], eligible: list[int], rule: ShippingRule, losers: dict[int, RateLoss]
    ) -> tuple[int, str | None]:
        """The preferred provider's cheapest eligible rate if within the margin (marking the cheaper
        ones it beat), else the cheapest."""
        cheapest = eligible[0]
        assert rule.prefer_provider is not None and rule.prefer_within_percent is not None
        own = next((i for i in eligible if by_price[i].provider == rule.prefer_provider), None)
        if own is None or own == cheapest:
            return cheapest, None
        limit = by_price[cheapest].amount * (1 + rule.prefer_within_percent / 100)
        if by_price[own].amount > limit:
            return cheapest, None
        for index in eligible:
            if index < own:
                losers[index] = RateLoss(
                    rate=by_price[index],
                    reason=f"is cheaper, but {rule.prefer_provider.value} is preferred within "
                    f"{rule.prefer_within_percent}%",
                    rule=rule.name,
                )
        return own, rule.name

    def _baseline(self, by_price: list[Rate]) -> Rate | None:
        if self.default_service is None:
            return None
        wanted = self.default_service.casefold()
        return next((rate for rate in by_price if rate.service.casefold() == wanted), None)

    def _nothing_left(
        self, by_price: list[Rate], losers: list[RateLoss], context: RuleContext
    ) -> RateExplanation:
        verdicts = [RateVerdict(rate=loss.rate, rejected_because=loss.describe()) for loss in losers]
        return RateExplanation(
            summary=f"none of {len(by_price)} quoted rates passes the shop's rules: "
            + "; ".join(loss.describe() for loss in losers),
            ship_on=context.ship_on,
            deliver_by=context.deliver_by,
            verdicts=verdicts,
        )


def _price_order(rate: Rate) -> tuple[Decimal, int]:
    """Cheapest first, then fastest; the sort is stable, so equal rates keep the quoting order."""
    return rate.amount, _NO_PROMISE if rate.delivery_days is None else rate.delivery_days


def _money(amount: Decimal, currency: str) -> str:
    return f"${amount:.2f}" if currency == "USD" else f"{amount:.2f} {currency}"


def _rate(rate: Rate) -> str:
    return f"{rate.carrier} {rate.service} {_money(rate.amount, rate.currency)}"
