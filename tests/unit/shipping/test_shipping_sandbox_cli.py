"""`creatorflow sandbox shippo|easypost --port P` serve what the official SDKs, through our adapters, expect:
each takes its API key from the `CREATORFLOW_<PROVIDER>__API_KEY` setting and quotes rates."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from shipping_helpers import BUYER, SDK_TIMEOUT, shipment_to

from creatorflow.config import EasyPostSettings, Settings, ShippoSettings
from creatorflow.domain import Provider
from creatorflow.shipping.errors import NonRetryableShippingError
from creatorflow.shipping.providers import carrier_for
from tests.sandbox_cli import sandbox_process

API_KEYS = {Provider.SHIPPO: "shippo_test_cli", Provider.EASYPOST: "EZTK_cli"}


def settings_for(url: str, api_key: str) -> Settings:
    """Both providers pointed at the one emulator under test (`carrier_for` picks the one it needs)."""
    key = SecretStr(api_key)
    return Settings(
        shippo=ShippoSettings(base_url=url, api_key=key, timeout_seconds=SDK_TIMEOUT),
        easypost=EasyPostSettings(base_url=f"{url}/v2", api_key=key, timeout_seconds=SDK_TIMEOUT),
    )


@pytest.mark.parametrize("provider", list(API_KEYS))  # the carrier emulators; TikTok's is its own
async def test_the_cli_emulator_quotes_rates_to_the_official_sdk(provider: Provider, tmp_path: Path) -> None:
    api_key = API_KEYS[provider]
    env = {f"CREATORFLOW_{provider.upper()}__API_KEY": api_key}
    with sandbox_process(provider.value, workdir=tmp_path, env=env) as url:
        rates = await carrier_for(provider, settings_for(url, api_key)).quote(shipment_to(BUYER))
        with pytest.raises(NonRetryableShippingError) as refused:
            await carrier_for(provider, settings_for(url, "not-the-configured-key")).quote(shipment_to(BUYER))

    assert len({rate.carrier for rate in rates}) >= 2
    assert all(rate.provider is provider and rate.amount > 0 for rate in rates)
    assert refused.value.http_status == 401
