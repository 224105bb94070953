"""`creatorflow.metrics.Metrics` on a Temporal `MetricMeter`: the runtime's, an activity's or a workflow's
(the workflow meter skips counting while a workflow replays, so nothing is counted twice)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import MetricCounter, MetricMeter
from temporalio.runtime import Runtime

from creatorflow.metrics import Counter


def client_metrics(client: Client) -> MeterMetrics:
    """Counters on the meter of the runtime `client` runs on: served by its Prometheus endpoint, if any."""
    return MeterMetrics((client.service_client.config.runtime or Runtime.default()).metric_meter)


class MeterMetrics:
    def __init__(self, meter: MetricMeter) -> None:
        self._meter = meter
        self._counters: dict[str, MetricCounter] = {}

    def add(self, counter: Counter, value: int = 1, **attributes: str) -> None:
        if counter.name not in self._counters:
            self._counters[counter.name] = self._meter.create_counter(
                counter.name, counter.description, counter.unit or None
            )
        self._counters[counter.name].add(value, attributes)
