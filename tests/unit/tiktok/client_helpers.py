"""What the client tests share besides fixtures: the test app's credentials and a seller ready to call."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from creatorflow.config import TikTokSettings
from creatorflow.tiktok.models import ShopCredentials

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
