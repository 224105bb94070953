"""Shipping labels through Shippo and EasyPost: quote, choose, buy once, refund, track.

Activities use `enabled_carriers` + `select_rate` to choose, persist the `PurchaseRequest`, then call
`carrier_for(rate.provider).buy_label(...)`, retrying on `error.retryable` (with the same request when
`error.ambiguous`). See `errors` for how each failure maps onto a retry decision.
"""

from creatorflow.shipping.base import Carrier, PurchaseRequest, ShipmentRequest, WebhookDelivery
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    InvalidAddressError,
    MalformedWebhookError,
    NoEligibleRateError,
    NonRetryableShippingError,
    ParcelTooHeavyError,
    ProviderContractError,
    ProvidersUnavailableError,
    PurchaseRejectedError,
    RateLimitedError,
    RetryableShippingError,
    ShippingError,
    WebhookRejectedError,
)
from creatorflow.shipping.parcels import ItemToPack, PackageSpec, ParcelDefaults, build_parcel
from creatorflow.shipping.policy import RatePolicy, RateSelection, select_rate
from creatorflow.shipping.providers import carrier_for, enabled_carriers
from creatorflow.shipping.shippo import ShippoCarrier

__all__ = [
    "AmbiguousPurchaseError",
    "Carrier",
    "EasyPostCarrier",
    "InvalidAddressError",
    "ItemToPack",
    "MalformedWebhookError",
    "NoEligibleRateError",
    "NonRetryableShippingError",
    "PackageSpec",
    "ParcelDefaults",
    "ParcelTooHeavyError",
    "ProviderContractError",
    "ProvidersUnavailableError",
    "PurchaseRejectedError",
    "PurchaseRequest",
    "RateLimitedError",
    "RatePolicy",
    "RateSelection",
    "RetryableShippingError",
    "ShipmentRequest",
    "ShippingError",
    "ShippoCarrier",
    "WebhookDelivery",
    "WebhookRejectedError",
    "build_parcel",
    "carrier_for",
    "enabled_carriers",
    "select_rate",
]
