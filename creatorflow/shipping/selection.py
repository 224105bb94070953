"""Choosing a label: quote every enabled provider at once, then let the shop's rules pick.

A provider that fails to quote is left out (and named in the explanation) rather than failing the order:
with Shippo down, EasyPost's rates still ship the package.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from creatorflow.domain import DomainModel, Provider, Rate, RateExplanation
from creatorflow.shipping.base import Carrier, PurchaseRequest, ShipmentRequest
from creatorflow.shipping.errors import NoEligibleRateError, ProvidersUnavailableError, ShippingError
from creatorflow.shipping.rules import RuleBook, RuleContext


class RateSelection(DomainModel):
    rate: Rate
    explanation: RateExplanation

    def purchase(self, idempotency_key: str) -> PurchaseRequest:
        """The request that buys this rate, carrying the explanation onto the label."""
        return PurchaseRequest(rate=self.rate, idempotency_key=idempotency_key, explanation=self.explanation)


async def select_rate(
    carriers: Sequence[Carrier],
    shipment: ShipmentRequest,
    book: RuleBook,
    context: RuleContext,
    quoted: Sequence[Rate] = (),
) -> RateSelection:
    """Quote all `carriers` in parallel and choose by `book` (`RuleBook.choose`) among their rates and the
    ones `quoted` already (TikTok Shipping's, read on TikTok's own queue).

    Raises `ProvidersUnavailableError` (retryable) when every provider failed and at least one failure
    may pass; the first provider's own error when all failures are permanent (e.g. a revoked API key);
    `NoEligibleRateError` (not retryable) when rates came back but the rules allow none of them.
    """
    rates, failures = await _quote_all(carriers, shipment)
    rates = [*rates, *quoted]
    unavailable = {provider: str(error) for provider, error in failures.items()}
    down = f"; unavailable: {', '.join(unavailable)}" if unavailable else ""
    try:
        decision = book.choose(rates, context)
    except NoEligibleRateError as refused:
        explanation = refused.explanation
        raise NoEligibleRateError(
            explanation.model_copy(update={"summary": explanation.summary + down, "unavailable": unavailable})
        ) from None
    explanation = decision.explanation(context)
    return RateSelection(
        rate=decision.chosen,
        explanation=explanation.model_copy(
            update={"summary": explanation.summary + down, "unavailable": unavailable}
        ),
    )


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
