"""The carriers the settings enable, built from `creatorflow.config`."""

from __future__ import annotations

from creatorflow.config import Settings
from creatorflow.domain import Provider
from creatorflow.shipping.base import Carrier
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.shippo import ShippoCarrier


def carrier_for(provider: Provider, settings: Settings) -> Carrier:
    """The adapter for one provider, e.g. to buy the rate a selection chose."""
    if provider is Provider.SHIPPO:
        return ShippoCarrier(settings.shippo)
    if provider is Provider.EASYPOST:
        return EasyPostCarrier(settings.easypost)
    raise ValueError(f"{provider.value} is not a carrier account of ours (TikTok sells its own labels)")


def enabled_carriers(settings: Settings) -> list[Carrier]:
    """Every enabled provider, in preference order (ties in price go to the earlier one)."""
    enabled = {Provider.SHIPPO: settings.shippo.enabled, Provider.EASYPOST: settings.easypost.enabled}
    return [carrier_for(provider, settings) for provider, on in enabled.items() if on]
