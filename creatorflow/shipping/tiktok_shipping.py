"""TikTok Shipping as one more priced provider: TikTok's eligible services for an order become `Rate`s
beside Shippo's and EasyPost's, and buying one buys TikTok's label (Create Packages) and downloads its PDF,
which we keep because TikTok's `doc_url` lives 24 hours (docs/reference/tiktok-shop-api.md §5.3).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from creatorflow.domain import Parcel, Provider, Rate
from creatorflow.tiktok import models as m
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.errors import LabelAlreadyPurchasedError, TikTokError

OUNCES_PER_POUND = Decimal(16)
PDF_MAGIC = b"%PDF-"
TIKTOK_SHIPPING = "TIKTOK"  # a package's `shipping_type` once TikTok issues its label


class PurchasedTikTokLabel(NamedTuple):
    """A TikTok label we hold: the package TikTok made for it, its tracking number, and the PDF itself."""

    package_id: str
    tracking_number: str
    pdf: bytes


class TikTokShipping:
    """TikTok Shipping for one order of one shop.

    Buying is idempotent under retries without any key of ours: TikTok keeps at most one label per order
    (a second Create Packages is refused, `LabelAlreadyPurchasedError`), so `buy` first reads the order's
    packages (Get Order Detail, then Get Package Detail of each) and reuses a package that already has
    TikTok's label (`shipping_type` TIKTOK with a tracking number); only when there is none does it call
    Create Packages, and if that is refused because a label exists (an earlier call whose answer was
    lost), it reads the packages again and uses that one. A label already bought from another carrier
    than the rate's is refused rather than doubled.
    """

    def __init__(self, client: TikTokShopClient, shop: m.ShopCredentials, order_id: str) -> None:
        self._client = client
        self._shop = shop
        self._order_id = order_id

    async def quote(self, parcel: Parcel) -> list[Rate]:
        """TikTok's eligible services as rates; a service TikTok gives no price, currency or carrier for
        cannot be compared with other quotes, so it is not a rate."""
        answer = await self._client.get_eligible_shipping_services(
            self._shop,
            self._order_id,
            m.EligibleServicesQuery(weight=_weight(parcel), dimension=_dimension(parcel)),
        )
        return [
            Rate(
                provider=Provider.TIKTOK,
                rate_id=service.id,
                shipment_id=self._order_id,
                carrier=service.shipping_provider_name,
                service=service.name,
                amount=service.price,
                currency=service.currency,
                # The promise is the end of TikTok's window, as other providers' days are.
                delivery_days=service.latest_delivery_days,
            )
            for service in answer.shipping_services
            if service.price is not None and service.currency and service.shipping_provider_name
        ]

    async def buy(self, rate: Rate, parcel: Parcel) -> PurchasedTikTokLabel:
        """TikTok's label for `rate` (one of this order's quotes): bought once, then its PDF downloaded."""
        if rate.provider != Provider.TIKTOK or rate.shipment_id != self._order_id:
            raise ValueError(f"rate {rate.rate_id} is not a TikTok Shipping quote for order {self._order_id}")
        package = await self._labelled_package()
        if package is None:
            package = await self._create(rate, parcel)
        if package.shipping_provider_name and package.shipping_provider_name != rate.carrier:
            raise LabelAlreadyPurchasedError(
                f"order {self._order_id} already has a TikTok label from {package.shipping_provider_name} "
                f"(package {package.id}), not {rate.carrier}: refusing to buy a second"
            )
        document = await self._client.get_shipping_document(self._shop, package.id)
        pdf = await self._client.download_document(document.doc_url)
        if not pdf.startswith(PDF_MAGIC):
            raise TikTokError(f"the shipping document of package {package.id} is not a PDF")
        return PurchasedTikTokLabel(package.id, document.tracking_number or package.tracking_number, pdf)

    async def _create(self, rate: Rate, parcel: Parcel) -> m.Package:
        request = m.CreatePackageRequest(
            order_id=self._order_id,
            shipping_service_id=rate.rate_id,
            weight=_weight(parcel),
            dimension=_dimension(parcel),
        )
        try:
            created = await self._client.create_package(self._shop, request)
        except LabelAlreadyPurchasedError:
            found = await self._labelled_package()
            if found is None:
                raise
            return found
        return await self._client.get_package(self._shop, created.package_id)

    async def _labelled_package(self) -> m.Package | None:
        """The order's package that already has TikTok's label, if any."""
        [order] = await self._client.get_orders(self._shop, [self._order_id])
        for ref in order.packages:
            package = await self._client.get_package(self._shop, ref.id)
            if package.shipping_type == TIKTOK_SHIPPING and package.tracking_number:
                return package
        return None


def _weight(parcel: Parcel) -> m.ShippingWeight:
    return m.ShippingWeight(value=parcel.weight_oz / OUNCES_PER_POUND, unit=m.ShippingWeightUnit.POUND)


def _dimension(parcel: Parcel) -> m.ShippingDimension:
    return m.ShippingDimension(
        length=parcel.length_in,
        width=parcel.width_in,
        height=parcel.height_in,
        unit=m.ShippingLengthUnit.INCH,
    )
