"""One TikTok Shop emulator per test module on a real loopback port, our client pointed at it, and a seller
who authorized the app through TikTok's OAuth page (tests keep apart by each using a seller of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from client_helpers import APP, Seller, settings_for

from creatorflow.tiktok.auth import TikTokAuthClient
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import ShopCredentials
from devstack.background_server import BackgroundServer
from emulators.tiktok.admin_client import TikTokSandboxControl
from emulators.tiktok.app import TikTokEmulatorConfig, create_app


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    config = TikTokEmulatorConfig.model_validate(
        {
            **APP,
            "redirect_url": "https://app.example/oauth/callback",
            "gateway": {"timeout_hang_seconds": 1.0},
        }
    )
    with BackgroundServer(create_app(config)) as server:
        yield server.url


@pytest.fixture
async def control(emulator_url: str) -> AsyncIterator[TikTokSandboxControl]:
    control = TikTokSandboxControl(emulator_url)
    yield control
    await control.aclose()


@pytest.fixture
async def tiktok(emulator_url: str) -> AsyncIterator[TikTokShopClient]:
    async with TikTokShopClient(settings_for(emulator_url)) as client:
        yield client


@pytest.fixture
async def seller(emulator_url: str, control: TikTokSandboxControl, tiktok: TikTokShopClient) -> Seller:
    """A seller who authorized the app through TikTok's OAuth page, with one product of two SKUs."""
    created = await control.create_seller("Glow Lab")
    async with TikTokAuthClient(settings_for(emulator_url)) as auth:
        redirect = await control.approve(auth.authorize_url("state-1"), created.id)
        assert redirect["state"] == "state-1"
        grant = await auth.get_token(redirect["code"])
    [shop] = await tiktok.get_authorized_shops(grant.access_token)
    assert shop.id == created.shops[0].id and shop.cipher == created.shops[0].cipher
    product = await control.create_product(
        shop.id,
        "Lip Oil",
        [
            {"seller_sku": "LIP-1", "price": "12.00", "stock": 5000},
            {"seller_sku": "LIP-2", "price": "14.00", "stock": 5000, "variant": "Rose"},
        ],
    )
    return Seller(
        id=created.id,
        shop=ShopCredentials(shop_id=shop.id, cipher=shop.cipher, access_token=grant.access_token),
        refresh_token=grant.refresh_token,
        sku_ids=[sku.id for sku in product.skus],
        product_id=product.id,
        warehouse_id=created.shops[0].sales_warehouse_id,
    )
