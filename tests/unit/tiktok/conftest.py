"""One TikTok Shop emulator per test module on a real loopback port, our client pointed at it, and a seller
who authorized the app through TikTok's OAuth page (tests keep apart by each using a seller of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from client_helpers import APP, Seller, connect_seller, settings_for

from creatorflow.tiktok.client import TikTokShopClient
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
    created, shop, grant = await connect_seller(emulator_url, control, tiktok, "Glow Lab")
    product = await control.create_product(
        shop.shop_id,
        "Lip Oil",
        [
            {"seller_sku": "LIP-1", "price": "12.00", "stock": 5000},
            {"seller_sku": "LIP-2", "price": "14.00", "stock": 5000, "variant": "Rose"},
        ],
    )
    return Seller(
        id=created.id,
        shop=shop,
        refresh_token=grant.refresh_token,
        sku_ids=[sku.id for sku in product.skus],
        product_id=product.id,
        warehouse_id=created.shops[0].sales_warehouse_id,
    )
