"""Connecting to Temporal with the project's data converter, the same way in every process."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from creatorflow.config import TemporalSettings
from creatorflow.crypto import Keyring
from creatorflow.metrics import MeterMetrics
from workers.codec import EncryptionCodec


def data_converter(keyring: Keyring) -> DataConverter:
    """Pydantic models to JSON, then AES-GCM: what every client, worker and replayer must use.

    Failures' messages and stack traces go through the codec too: a carrier's refusal can quote the
    address it refused, and history keeps failures as they were raised.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def client_metrics(client: Client) -> MeterMetrics:
    """Counters on the meter of the runtime `client` runs on: served by its Prometheus endpoint, if any."""
    return MeterMetrics((client.service_client.config.runtime or Runtime.default()).metric_meter)


def sdk_runtime(metrics_address: str | None) -> Runtime:
    """The SDK runtime; with an address, it serves Prometheus metrics there (the SDK's and ours).

    One per process: the endpoint is bound when the runtime is made.
    """
    if metrics_address is None:
        return Runtime.default()
    prometheus = PrometheusConfig(bind_address=metrics_address, counters_total_suffix=True)
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


async def connect(
    settings: TemporalSettings, keyring: Keyring, on: Runtime | None = None, *, lazy: bool = False
) -> Client:
    """A client; a `lazy` one connects on its first call, so a process that has work to do without
    Temporal starts while Temporal is down (workers cannot use one)."""
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        data_converter=data_converter(keyring),
        runtime=on or Runtime.default(),
        lazy=lazy,
    )
