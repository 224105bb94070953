"""What the client tests share besides fixtures: the test app's credentials and a seller ready to call."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from creatorflow.config import TikTokSettings
from creatorflow.tiktok.auth import TikTokAuthClient
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.models import ShopCredentials, TokenGrant
from emulators.tiktok.admin_client import SandboxSeller, TikTokSandboxControl

APP = {"app_key": "client_test_key", "app_secret": "client_test_secret", "service_id": "client_test_service"}


def settings_for(url: str, **changes: object) -> TikTokSettings:
    return TikTokSettings(
        app_key=APP["app_key"],
        app_secret=SecretStr(APP["app_secret"]),
        service_id=APP["service_id"],
        api_base_url=url,
        auth_base_url=url,
        authorize_url=f"{url}/open/authorize",
    ).model_copy(update=changes)


@dataclass
class Seller:
    id: str
    shop: ShopCredentials
    refresh_token: str
    sku_ids: list[str]
    product_id: str
    warehouse_id: str


async def connect_seller(
    url: str, control: TikTokSandboxControl, tiktok: TikTokShopClient, name: str, base_region: str = "US"
) -> tuple[SandboxSeller, ShopCredentials, TokenGrant]:
    """A new seller who authorized the app through TikTok's OAuth page, and its (first) shop to call."""
    created = await control.create_seller(name, base_region=base_region)
    async with TikTokAuthClient(settings_for(url)) as auth:
        redirect = await control.approve(auth.authorize_url("state-1"), created.id)
        assert redirect["state"] == "state-1"
        grant = await auth.get_token(redirect["code"])
    [shop] = await tiktok.get_authorized_shops(grant.access_token)
    assert shop.id == created.shops[0].id and shop.cipher == created.shops[0].cipher
    credentials = ShopCredentials(shop_id=shop.id, cipher=shop.cipher, access_token=grant.access_token)
    return created, credentials, grant
