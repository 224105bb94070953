"""Both emulators on real loopback ports, and the real adapters (real SDKs, real HTTP) pointed at them.

Every test gets fresh emulators, so ledgers count only its own purchases. Timeouts are short: the SDKs
give up after `SDK_TIMEOUT` seconds while a "timeout" fault holds the connection for `FAULT_HANG`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request
from pydantic import SecretStr
from shipping_helpers import EASYPOST_SECRET, FAULT_HANG, SDK_TIMEOUT, SHIPPO_TOKEN, Emulator

from creatorflow.config import EasyPostSettings, ShippoSettings
from creatorflow.shipping.base import WebhookDelivery
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.shippo import ShippoCarrier
from devstack.background_server import BackgroundServer
from emulators.carriers import easypost as easypost_sandbox
from emulators.carriers import shippo as shippo_sandbox


@pytest.fixture
def shippo_emulator() -> Iterator[Emulator]:
    # Shippo's account here is 5% cheaper, so the two providers never tie on price.
    config = shippo_sandbox.ShippoEmulatorConfig(price_factor=Decimal("0.95"), fault_hang_seconds=FAULT_HANG)
    with BackgroundServer(shippo_sandbox.create_app(config)) as server:
        yield Emulator(server.url)


@pytest.fixture
def easypost_emulator() -> Iterator[Emulator]:
    config = easypost_sandbox.EasyPostEmulatorConfig(fault_hang_seconds=FAULT_HANG)
    with BackgroundServer(easypost_sandbox.create_app(config)) as server:
        yield Emulator(server.url)


@pytest.fixture
def shippo(shippo_emulator: Emulator) -> ShippoCarrier:
    return ShippoCarrier(
        ShippoSettings(
            base_url=shippo_emulator.url,
            timeout_seconds=SDK_TIMEOUT,
            webhook_token=SecretStr(SHIPPO_TOKEN),
        )
    )


@pytest.fixture
def easypost(easypost_emulator: Emulator) -> EasyPostCarrier:
    return EasyPostCarrier(
        EasyPostSettings(
            base_url=f"{easypost_emulator.url}/v2",
            timeout_seconds=SDK_TIMEOUT,
            webhook_secret=SecretStr(EASYPOST_SECRET),
        )
    )


@pytest.fixture
def webhook_inbox() -> Iterator[tuple[str, list[WebhookDelivery]]]:
    """A receiver for the emulators' webhooks: its URL, and every delivery exactly as it arrived."""
    received: list[WebhookDelivery] = []
    app = FastAPI()

    @app.post("/hooks/{provider}")
    async def hook(request: Request) -> dict[str, str]:
        received.append(
            WebhookDelivery(
                body=await request.body(), headers=dict(request.headers), query=dict(request.query_params)
            )
        )
        return {}

    with BackgroundServer(app) as server:
        yield server.url, received
