"""Connecting to Temporal with the project's data converter, the same way in every process."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from creatorflow.config import TemporalSettings
from creatorflow.crypto import Keyring
from workers.codec import EncryptionCodec


def data_converter(keyring: Keyring) -> DataConverter:
    """Pydantic models to JSON, then AES-GCM: what every client, worker and replayer must use."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(keyring))


async def connect(settings: TemporalSettings, keyring: Keyring) -> Client:
    return await Client.connect(
        settings.address, namespace=settings.namespace, data_converter=data_converter(keyring)
    )
