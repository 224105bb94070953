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


@dataclass(frozen=True)
class Gauge:
    name: str
    description: str
    unit: str = ""


# Fulfillment quality over the last day, per shop, set by each alerts sweep (creatorflow.quality).
LATE_DISPATCH_RATE = Gauge("creatorflow_late_dispatch_rate", "Orders first scanned after their ship-by")
VALID_TRACKING_RATE = Gauge("creatorflow_valid_tracking_rate", "Tracking numbers the carrier has scanned")
CANCELLATION_RATE = Gauge("creatorflow_cancellation_rate", "Paid orders cancelled")
DATA_ACCURACY_RATE = Gauge(
    "creatorflow_data_accuracy_rate", "Order changes reconcile found that the projection already knew"
)
PAID_TO_LABEL_P95 = Gauge("creatorflow_paid_to_label_p95", "Paid to label bought, 95th percentile", "h")
PAID_TO_SCAN_P95 = Gauge("creatorflow_paid_to_first_scan_p95", "Paid to first scan, 95th percentile", "h")


class Metrics(Protocol):
    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None: ...

    def set(self, gauge: Gauge, value: float, **attributes: str) -> None: ...


class NoMetrics:
    """For code run without a metrics endpoint (tests, one-off commands)."""

    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None:
        pass

    def set(self, gauge: Gauge, value: float, **attributes: str) -> None:
        pass


class MeterCounter(Protocol):
    def add(self, value: int, attributes: Mapping[str, str], /) -> None: ...


class MeterGauge(Protocol):
    def set(self, value: float, attributes: Mapping[str, str], /) -> None: ...


class Meter(Protocol):
    """What `MeterMetrics` needs of a meter; Temporal's `MetricMeter` (the runtime's, an activity's or a
    workflow's) is one, without this module importing Temporal."""

    def create_counter(self, name: str, description: str | None, unit: str | None, /) -> MeterCounter: ...

    def create_gauge_float(self, name: str, description: str | None, unit: str | None, /) -> MeterGauge: ...


class MeterMetrics:
    """`Metrics` on a meter. A workflow's meter skips counting while the workflow replays, so nothing is
    counted twice."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._counters: dict[str, MeterCounter] = {}
        self._gauges: dict[str, MeterGauge] = {}

    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None:
        if counter.name not in self._counters:
            self._counters[counter.name] = self._meter.create_counter(
                counter.name, counter.description, counter.unit or None
            )
        self._counters[counter.name].add(value, attributes)

    def set(self, gauge: Gauge, value: float, **attributes: str) -> None:
        if gauge.name not in self._gauges:
            self._gauges[gauge.name] = self._meter.create_gauge_float(
                gauge.name, gauge.description, gauge.unit or None
            )
        self._gauges[gauge.name].set(value, attributes)
