"""Typed shipping failures, classified so an activity can map them without reading SDK internals.

Three families (reference/shipping.md §6), told apart by class attributes:

- `RetryableShippingError` (`retryable`): 429, 408/409, 5xx, timeouts, dropped connections. Retry later.
- `AmbiguousPurchaseError` (`retryable` and `ambiguous`): a buy whose outcome is unknown (timeout, 5xx,
  unreadable answer). Retrying is safe only because `buy_label` looks for an existing purchase first;
  retry with the very same `PurchaseRequest`, never with a freshly quoted rate.
- `NonRetryableShippingError`: the request is wrong or refused on its merits (bad address, no rate fits,
  carrier said no, forged webhook). Retrying cannot help; the order needs a person.
"""

from __future__ import annotations

from typing import ClassVar

from creatorflow.domain import Provider, RateExplanation
from creatorflow.metrics import SHIPPING_API_ERRORS, Metrics


class ShippingError(Exception):
    retryable: ClassVar[bool] = False
    ambiguous: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        provider: Provider | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.code = code
        self.http_status = http_status
        details = ", ".join(
            f"{name}={value}"
            for name, value in (("provider", provider), ("code", code), ("http", http_status))
            if value is not None
        )
        super().__init__(f"{message} ({details})" if details else message)


class RetryableShippingError(ShippingError):
    retryable = True


class RateLimitedError(RetryableShippingError):
    """HTTP 429: back off before the next call to this provider."""


class AmbiguousPurchaseError(RetryableShippingError):
    """The label may or may not have been bought; the next `buy_label` reconciles before buying.

    Space the retry beyond the time the provider may still spend on the abandoned request: EasyPost
    refuses a second label per shipment, but Shippo has no duplicate check (reference/shipping.md §3), so
    a retry that looks before the first purchase has landed would buy again.
    """

    ambiguous = True


class NonRetryableShippingError(ShippingError):
    pass


class InvalidAddressError(NonRetryableShippingError):
    def __init__(self, problems: list[str], *, provider: Provider) -> None:
        self.problems = problems
        super().__init__("address is not deliverable: " + "; ".join(problems), provider=provider)


class PurchaseRejectedError(NonRetryableShippingError):
    """The provider answered the buy and refused to sell the label."""


class ProviderContractError(NonRetryableShippingError):
    """The provider's answer did not parse: an SDK or API contract change that needs an engineer."""


class WebhookRejectedError(NonRetryableShippingError):
    """A tracking webhook failed verification or is not one we handle; answer 4xx, do not signal."""


class MalformedWebhookError(WebhookRejectedError):
    """A verified tracking webhook whose body is not a tracking event we can read: answer 400 and keep the
    body for inspection (anything else `WebhookRejectedError` means is a forgery: 401, keep nothing)."""


class ParcelTooHeavyError(NonRetryableShippingError):
    pass


class NoEligibleRateError(NonRetryableShippingError):
    """Providers quoted, but no rate passes the policy; `explanation` says why each one failed."""

    def __init__(self, explanation: RateExplanation) -> None:
        self.explanation = explanation
        super().__init__(explanation.summary)


class ProvidersUnavailableError(RetryableShippingError):
    """No provider could quote right now; `failures` holds each provider's error."""

    def __init__(self, failures: dict[Provider, ShippingError]) -> None:
        self.failures = failures
        super().__init__("no provider could quote: " + "; ".join(str(e) for e in failures.values()))


def error_for_status(
    provider: Provider, http_status: int, message: str, *, code: str | None = None, buying: bool = False
) -> ShippingError:
    """The error an HTTP failure status means; `buying` marks the call that spends money."""
    kind: type[ShippingError]
    if http_status == 429:
        kind = RateLimitedError  # refused before any work was done, so never ambiguous
    elif http_status in (408, 409) or http_status >= 500:
        kind = AmbiguousPurchaseError if buying else RetryableShippingError
    else:
        kind = NonRetryableShippingError
    return kind(message, provider=provider, code=code, http_status=http_status)


def transport_error(provider: Provider, error: Exception, *, buying: bool = False) -> ShippingError:
    """A timeout or dropped connection: retryable, and ambiguous if it may have cut off a purchase."""
    kind = AmbiguousPurchaseError if buying else RetryableShippingError
    return kind(f"{type(error).__name__}: {error}", provider=provider)


def unreadable_response(provider: Provider, detail: str, *, buying: bool = False) -> ShippingError:
    """An answer we could not parse. After a buy the label may exist, so the outcome is unknown."""
    kind = AmbiguousPurchaseError if buying else ProviderContractError
    return kind(f"unreadable answer: {detail}", provider=provider)


def count_shipping_error(metrics: Metrics, exc: ShippingError) -> None:
    """By provider (`none` for an error about no single one: none could quote, no rate fits) and kind:
    `ambiguous` (a buy whose outcome is unknown), `retryable` or `non_retryable`."""
    kind = "ambiguous" if exc.ambiguous else "retryable" if exc.retryable else "non_retryable"
    provider = exc.provider.value if exc.provider else "none"
    metrics.add(SHIPPING_API_ERRORS, provider=provider, kind=kind, error=type(exc).__name__)
