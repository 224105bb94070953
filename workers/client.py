"""Connecting to Temporal with the project's data converter, the same way in every process."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from creatorflow.config import TemporalSettings


def data_converter() -> DataConverter:
    return pydantic_data_converter


async def connect(settings: TemporalSettings) -> Client:
    return await Client.connect(
        settings.address, namespace=settings.namespace, data_converter=data_converter()
    )
