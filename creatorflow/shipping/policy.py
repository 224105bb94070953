"""Rate selection: quote every enabled provider at once, then take the cheapest rate the policy allows.

A provider that fails to quote is left out (and named in the explanation) rather than failing the order:
with Shippo down, EasyPost's rates still ship the package. Promised delivery is `ship_on` plus the
rate's `delivery_days` in calendar days; a rate without a promise cannot meet a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import field_validator

from creatorflow.domain import DomainModel, Provider, Rate, RateExplanation, RateVerdict
from creatorflow.shipping.base import Carrier, PurchaseRequest, ShipmentRequest
from creatorflow.shipping.errors import NoEligibleRateError, ProvidersUnavailableError, ShippingError

_NO_PROMISE = 10_000  # sorts rates without a delivery promise after every rate with one


class RatePolicy(DomainModel):
    """A seller's rules. Names compare case-insensitively; an empty allow-list allows everything."""

    allow_carriers: frozenset[str] = frozenset()
    deny_carriers: frozenset[str] = frozenset()
    allow_services: frozenset[str] = frozenset()
    deny_services: frozenset[str] = frozenset()
    currency: str = "USD"

    @field_validator("allow_carriers", "deny_carriers", "allow_services", "deny_services")
    @classmethod
    def _casefold(cls, names: frozenset[str]) -> frozenset[str]:
        return frozenset(name.casefold() for name in names)

    def rejection(self, rate: Rate, *, ship_on: date, deliver_by: date | None) -> str | None:
        """Why `rate` may not be bought, or None if it may."""
        carrier, service = rate.carrier.casefold(), rate.service.casefold()
        if carrier in self.deny_carriers:
            return f"carrier {rate.carrier} is denied"
        if self.allow_carriers and carrier not in self.allow_carriers:
            return f"carrier {rate.carrier} is not allowed"
        if service in self.deny_services:
            return f"service {rate.service} is denied"
        if self.allow_services and service not in self.allow_services:
            return f"service {rate.service} is not allowed"
        if rate.currency != self.currency:
            return f"priced in {rate.currency}, not {self.currency}"
        if deliver_by is not None:
            if rate.delivery_days is None:
                return "no delivery promise to hold against the deadline"
            arrives = ship_on + timedelta(days=rate.delivery_days)
            if arrives > deliver_by:
                return f"arrives {arrives}, after the {deliver_by} deadline"
        return None


class RateSelection(DomainModel):
    rate: Rate
    explanation: RateExplanation

    def purchase(self, idempotency_key: str) -> PurchaseRequest:
        """The request that buys this rate, carrying the explanation onto the label."""
        return PurchaseRequest(rate=self.rate, idempotency_key=idempotency_key, explanation=self.explanation)


async def select_rate(
    carriers: Sequence[Carrier],
    shipment: ShipmentRequest,
    policy: RatePolicy,
    *,
    ship_on: date,
    deliver_by: date | None = None,
) -> RateSelection:
    """Quote all `carriers` in parallel and choose; ties go to fewer days, then to the earlier carrier.

    Raises `ProvidersUnavailableError` (retryable) when every provider failed and at least one failure
    may pass; the first provider's own error when all failures are permanent (e.g. a revoked API key);
    `NoEligibleRateError` (not retryable) when rates came back but the policy allows none of them.
    """
    rates, failures = await _quote_all(carriers, shipment)
    verdicts = [
        RateVerdict(rate=r, rejected_because=policy.rejection(r, ship_on=ship_on, deliver_by=deliver_by))
        for r in rates
    ]
    preference = [carrier.provider for carrier in carriers]
    eligible = sorted(
        (verdict.rate for verdict in verdicts if verdict.rejected_because is None),
        key=lambda r: (
            r.amount,
            _NO_PROMISE if r.delivery_days is None else r.delivery_days,
            preference.index(r.provider),
        ),
    )
    unavailable = {provider: str(error) for provider, error in failures.items()}
    down = f"; unavailable: {', '.join(unavailable)}" if unavailable else ""
    if eligible:
        chosen = eligible[0]
        price = f"{chosen.amount:.2f} {chosen.currency}"
        summary = (
            f"{chosen.carrier} {chosen.service} via {chosen.provider} at {price}: "
            f"cheapest of {len(eligible)} eligible among {len(rates)} quoted{down}"
        )
    else:
        summary = f"none of {len(rates)} quoted rates passes the policy{down}"
    explanation = RateExplanation(
        summary=summary, ship_on=ship_on, deliver_by=deliver_by, verdicts=verdicts, unavailable=unavailable
    )
    if not eligible:
        raise NoEligibleRateError(explanation)
    return RateSelection(rate=eligible[0], explanation=explanation)


async def _quote_all(
    carriers: Sequence[Carrier], shipment: ShipmentRequest
) -> tuple[list[Rate], dict[Provider, ShippingError]]:
    """Every rate quoted, and the error of each provider that could not quote (if not all of them)."""
    if not carriers:
        raise ValueError("select_rate needs at least one enabled carrier")
    outcomes = await asyncio.gather(*(c.quote(shipment) for c in carriers), return_exceptions=True)
    rates: list[Rate] = []
    failures: dict[Provider, ShippingError] = {}
    for carrier, outcome in zip(carriers, outcomes, strict=True):
        if isinstance(outcome, ShippingError):
            failures[carrier.provider] = outcome
        elif isinstance(outcome, BaseException):
            raise outcome  # a bug, not a provider being down: let it surface
        else:
            rates.extend(outcome)
    if len(failures) == len(carriers):
        if any(error.retryable for error in failures.values()):
            raise ProvidersUnavailableError(failures)
        raise next(iter(failures.values()))
    return rates, failures
