"""Application counters, defined once. The core only counts through the `Metrics` protocol; the workers
implement it on the Temporal SDK runtime's meter, so application counters and the SDK's own metrics are
served from one Prometheus endpoint per process (`metrics_address` in settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from creatorflow.shipping.errors import ShippingError
from creatorflow.tiktok.errors import TikTokError


@dataclass(frozen=True)
class Counter:
    name: str
    description: str
    unit: str = ""


WEBHOOKS = Counter("creatorflow_webhooks", "Webhooks received, by source, event type and outcome")
LABELS_BOUGHT = Counter("creatorflow_labels_bought", "Shipping labels bought, by provider and carrier")
LABEL_SPEND = Counter("creatorflow_label_spend", "Money spent on labels, by provider and carrier", "cents")
TIKTOK_API_ERRORS = Counter("creatorflow_tiktok_api_errors", "TikTok Shop API errors, by error code")
SHIPPING_API_ERRORS = Counter(
    "creatorflow_shipping_api_errors", "Shippo and EasyPost errors, by provider, kind and error class"
)
ORDER_TRANSITIONS = Counter("creatorflow_order_transitions", "Orders entering a fulfillment state, by state")
LATE_SHIPMENT_RISKS = Counter(
    "creatorflow_late_shipment_risks", "Orders flagged as about to miss TikTok's ship-by, by shop"
)


class Metrics(Protocol):
    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None: ...


class NoMetrics:
    """For code run without a metrics endpoint (tests, one-off commands)."""

    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None:
        pass


def count_tiktok_error(metrics: Metrics, exc: TikTokError) -> None:
    """By TikTok's code, or by HTTP status where TikTok's answer had none (`http_none`: no answer at all)."""
    code = str(exc.code) if exc.code is not None else f"http_{exc.http_status or 'none'}"
    metrics.add(TIKTOK_API_ERRORS, code=code, error=type(exc).__name__)


def count_shipping_error(metrics: Metrics, exc: ShippingError) -> None:
    """By provider (`none` for an error about no single one: none could quote, no rate fits) and kind:
    `ambiguous` (a buy whose outcome is unknown), `retryable` or `non_retryable`."""
    kind = "ambiguous" if exc.ambiguous else "retryable" if exc.retryable else "non_retryable"
    provider = exc.provider.value if exc.provider else "none"
    metrics.add(SHIPPING_API_ERRORS, provider=provider, kind=kind, error=type(exc).__name__)
