"""TikTok Shipping as a priced carrier, over real HTTP against the emulator: quotes as rates, one label per
order however often `buy` is retried, the label's PDF downloaded before its link expires, and the emulator's
rules (who may buy, what it costs against the carrier emulators' USPS Ground Advantage)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import Seller, connect_seller

from creatorflow.domain import Parcel, Provider
from creatorflow.shipping.tiktok_shipping import TikTokShipping
from creatorflow.tiktok import models as m
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.errors import (
    BusinessError,
    DocumentLinkExpiredError,
    LabelAlreadyPurchasedError,
    NoShippingServiceError,
)
from emulators.carriers.shared_rules import CATALOGUE, ParcelSize, zone
from emulators.tiktok.admin_client import TikTokSandboxControl

LA_WAREHOUSE_ZIP = "90021"
ONE_POUND = Parcel(length_in=Decimal(8), width_in=Decimal(6), height_in=Decimal(2), weight_oz=Decimal(16))
EIGHT_POUNDS = ONE_POUND.model_copy(update={"weight_oz": Decimal(128)})


async def _ready_order(control: TikTokSandboxControl, shop_id: str, sku_id: str, **options: object) -> str:
    """An order ready to ship, of a shop signed up for TikTok Shipping."""
    await control.sign_up_for_tiktok_shipping(shop_id)
    [order] = await control.create_orders(shop_id, sku_id, on_hold=False, **options)
    return str(order["id"])


async def test_a_shop_not_signed_up_for_tiktok_shipping_is_offered_none(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    [order] = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], on_hold=False)
    with pytest.raises(NoShippingServiceError):
        await TikTokShipping(tiktok, seller.shop, str(order["id"])).quote(ONE_POUND)


async def test_quotes_are_rates_in_the_shops_currency_with_tiktoks_promise(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    rates = await TikTokShipping(tiktok, seller.shop, order_id).quote(ONE_POUND)
    assert [(r.carrier, r.service) for r in rates] == [
        ("USPS", "USPS Ground Advantage"),
        ("UPS", "UPS Ground Saver"),
        ("USPS", "USPS Priority Mail"),
    ]
    assert {(r.provider, r.shipment_id, r.currency) for r in rates} == {(Provider.TIKTOK, order_id, "USD")}
    assert [r.delivery_days for r in rates] == [5, 5, 3]
    assert all(r.amount > 0 and r.rate_id.isdigit() for r in rates)


async def test_tiktok_ground_is_cheaper_for_a_light_parcel_and_dearer_for_a_heavy_one(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    """Against the carrier emulators' USPS Ground Advantage, from the same warehouse to the same buyer."""
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    [order] = await tiktok.get_orders(seller.shop, [order_id])
    assert order.recipient_address is not None
    buyer_zip = order.recipient_address.postal_code
    usps_ground = next(s for s in CATALOGUE if s.shippo_token == "usps_ground_advantage")
    shipping = TikTokShipping(tiktok, seller.shop, order_id)
    for parcel, tiktok_is_cheaper in ((ONE_POUND, True), (EIGHT_POUNDS, False)):
        [tiktok_ground, *_] = await shipping.quote(parcel)
        carrier_price = usps_ground.price(
            ParcelSize(parcel.weight_oz, None), zone(LA_WAREHOUSE_ZIP, buyer_zip), Decimal(1)
        )
        assert (tiktok_ground.amount < carrier_price) is tiktok_is_cheaper, (parcel, buyer_zip)


async def test_a_gb_shop_is_quoted_gbp_services(
    emulator_url: str, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    _, shop, _ = await connect_seller(emulator_url, control, tiktok, "Tea & Co", base_region="GB")
    product = await control.create_product(
        shop.shop_id, "Earl Grey", [{"seller_sku": "TEA-1", "price": "6.50", "stock": 10}]
    )
    order_id = await _ready_order(control, shop.shop_id, product.skus[0].id)
    rates = await TikTokShipping(tiktok, shop, order_id).quote(ONE_POUND)
    assert [(r.carrier, r.currency) for r in rates] == [("Evri", "GBP"), ("DPD", "GBP")]


async def test_buying_gets_tiktoks_label_its_tracking_number_and_its_pdf(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    shipping = TikTokShipping(tiktok, seller.shop, order_id)
    ups = next(r for r in await shipping.quote(ONE_POUND) if r.carrier == "UPS")
    label = await shipping.buy(ups, ONE_POUND)
    [order] = await tiktok.get_orders(seller.shop, [order_id])
    assert [p.id for p in order.packages] == [label.package_id]
    assert label.pdf.startswith(b"%PDF-") and label.tracking_number.encode() in label.pdf
    package = await tiktok.get_package(seller.shop, label.package_id)
    assert (package.shipping_type, package.shipping_provider_name) == ("TIKTOK", "UPS")
    assert package.tracking_number == label.tracking_number
    # Handing it over ships it with TikTok's carrier, no tracking number of ours.
    await tiktok.ship_package(seller.shop, label.package_id)
    [order] = await tiktok.get_orders(seller.shop, [order_id])
    assert (order.status, order.tracking_number, order.shipping_provider) == (
        "AWAITING_COLLECTION",
        label.tracking_number,
        "UPS",
    )


async def test_a_retried_buy_reuses_the_label_and_never_buys_a_second(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    shipping = TikTokShipping(tiktok, seller.shop, order_id)
    usps, ups, _ = await shipping.quote(ONE_POUND)
    first = await shipping.buy(usps, ONE_POUND)
    assert (await shipping.buy(usps, ONE_POUND))[:2] == first[:2]
    # TikTok itself refuses a second label for the order...
    with pytest.raises(LabelAlreadyPurchasedError) as refused:
        await tiktok.create_package(
            seller.shop,
            m.CreatePackageRequest(
                order_id=order_id,
                shipping_service_id=usps.rate_id,
                weight=m.ShippingWeight(value=Decimal(1), unit=m.ShippingWeightUnit.POUND),
                dimension=m.ShippingDimension(
                    length=Decimal(8), width=Decimal(6), height=Decimal(2), unit=m.ShippingLengthUnit.INCH
                ),
            ),
        )
    assert refused.value.code == 21022025
    # ...and a buy of another carrier's rate after the first label parks instead of doubling it.
    with pytest.raises(LabelAlreadyPurchasedError, match="refusing to buy a second"):
        await shipping.buy(ups, ONE_POUND)


async def test_the_document_link_expires_after_24_hours_on_the_emulator_clock(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    shipping = TikTokShipping(tiktok, seller.shop, order_id)
    label = await shipping.buy((await shipping.quote(ONE_POUND))[0], ONE_POUND)
    document = await tiktok.get_shipping_document(seller.shop, label.package_id)
    assert (await tiktok.download_document(document.doc_url)).startswith(b"%PDF-")
    await control.advance_clock(24 * 3600 + 60)
    with pytest.raises(DocumentLinkExpiredError):
        await tiktok.download_document(document.doc_url)
    fresh = await tiktok.get_shipping_document(seller.shop, label.package_id)
    assert (await tiktok.download_document(fresh.doc_url)).startswith(b"%PDF-")


async def test_no_service_for_an_address_no_carrier_delivers_to(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0], undeliverable_address=True)
    with pytest.raises(NoShippingServiceError) as refused:
        await TikTokShipping(tiktok, seller.shop, order_id).quote(ONE_POUND)
    assert refused.value.code == 21011037


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"shipping_type": "TIKTOK"}, 21008025),  # TikTok ships it already
        ({"on_hold": True}, 21011003),  # not awaiting shipment yet
    ],
)
async def test_only_seller_shipped_orders_awaiting_shipment_are_quoted(
    seller: Seller,
    control: TikTokSandboxControl,
    tiktok: TikTokShopClient,
    options: dict[str, object],
    code: int,
) -> None:
    [order] = await control.create_orders(
        seller.shop.shop_id, seller.sku_ids[0], **{"on_hold": False, **options}
    )
    with pytest.raises(BusinessError) as refused:
        await TikTokShipping(tiktok, seller.shop, str(order["id"])).quote(ONE_POUND)
    assert refused.value.code == code


async def test_a_shipped_order_is_refused_a_label(
    seller: Seller, control: TikTokSandboxControl, tiktok: TikTokShopClient
) -> None:
    order_id = await _ready_order(control, seller.shop.shop_id, seller.sku_ids[0])
    [order] = await tiktok.get_orders(seller.shop, [order_id])
    await tiktok.mark_package_shipped(
        seller.shop,
        order_id,
        tracking_number="9400111202555842761234",
        shipping_provider_id=await _provider(tiktok, seller, order.delivery_option_id),
    )
    with pytest.raises(BusinessError) as refused:
        await TikTokShipping(tiktok, seller.shop, order_id).quote(ONE_POUND)
    assert refused.value.code == 21011006


async def _provider(tiktok: TikTokShopClient, seller: Seller, delivery_option_id: str) -> str:
    return (await tiktok.get_shipping_providers(seller.shop, delivery_option_id))[0].id
