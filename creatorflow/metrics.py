"""Application counters, defined once. The core only counts through the `Metrics` protocol; `MeterMetrics`
implements it on a meter such as the Temporal SDK runtime's, so application counters and the SDK's own
metrics are served from one Prometheus endpoint per process (`metrics_address` in settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


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


class MeterCounter(Protocol):
    def add(self, value: int, attributes: Mapping[str, str], /) -> None: ...


class Meter(Protocol):
    """What `MeterMetrics` needs of a meter; Temporal's `MetricMeter` (the runtime's, an activity's or a
    workflow's) is one, without this module importing Temporal."""

    def create_counter(self, name: str, description: str | None, unit: str | None, /) -> MeterCounter: ...


class MeterMetrics:
    """`Metrics` on a meter. A workflow's meter skips counting while the workflow replays, so nothing is
    counted twice."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._counters: dict[str, MeterCounter] = {}

    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None:
        if counter.name not in self._counters:
            self._counters[counter.name] = self._meter.create_counter(
                counter.name, counter.description, counter.unit or None
            )
        self._counters[counter.name].add(value, attributes)
