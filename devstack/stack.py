"""The whole of CreatorFlow on one machine: emulators of TikTok Shop, Shippo and EasyPost, the webhook
API, and the workers, wired to one Temporal. `creatorflow dev` runs it on fixed ports; the end-to-end
tests run it on free ports.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel
from temporalio.client import Client

from creatorflow.config import OAUTH_CALLBACK_PATH, Settings
from creatorflow.store import Store
from creatorflow.tiktok.client import TikTokShopClient
from devstack.background_server import BackgroundServer
from emulators.carriers.easypost import EasyPostEmulatorConfig
from emulators.carriers.easypost import create_app as easypost_app
from emulators.carriers.shippo import ShippoEmulatorConfig
from emulators.carriers.shippo import create_app as shippo_app
from emulators.tiktok.admin_client import TikTokSandboxControl
from emulators.tiktok.app import TikTokEmulatorConfig
from emulators.tiktok.app import create_app as tiktok_app
from emulators.traffic import CarrierTraffic, carriers_at_work
from starter import runtime
from starter.serving import serving
from workers.catalog import ensure_catalog
from workers.worker import build_workers, running_workers


@dataclass
class Emulators:
    settings: Settings  # our settings, pointed at these emulators
    tiktok_url: str
    shippo_url: str
    easypost_url: str

    @property
    def carrier_urls(self) -> list[str]:
        return [self.shippo_url, self.easypost_url]


@contextlib.contextmanager
def running_emulators(
    settings: Settings,
    *,
    fixed_ports: bool,
    tiktok: dict[str, Any] | None = None,
    state_dir: Path | None = None,
) -> Iterator[Emulators]:
    """The three emulators, each on its own thread; `tiktok` overrides the TikTok emulator's config. With
    `state_dir` each starts from the state it saved there (`<name>.state`), if any, and keeps saving it."""
    ports = {name: (port if fixed_ports else 0) for name, port in _ports(settings).items()}
    # A "timeout" fault holds a request a second longer than our client waits: long enough to be a timeout,
    # short enough not to hold up the emulator's shutdown.
    tiktok_gateway = {"timeout_hang_seconds": settings.tiktok.timeout_seconds + 1}
    # The stack's API takes webhooks on http://127.0.0.1:PORT, an address TikTok itself would refuse.
    overrides = tiktok or {}
    tiktok_webhooks = {"allow_loopback_addresses": True, **overrides.get("webhooks", {})}
    tiktok_config = TikTokEmulatorConfig.from_settings(
        settings, **{"gateway": tiktok_gateway, **overrides, "webhooks": tiktok_webhooks}
    )
    shippo_config = ShippoEmulatorConfig(
        api_key=settings.shippo.api_key.get_secret_value(),
        fault_hang_seconds=settings.shippo.timeout_seconds + 1,
    )
    easypost_config = EasyPostEmulatorConfig(
        api_key=settings.easypost.api_key.get_secret_value(),
        fault_hang_seconds=settings.easypost.timeout_seconds + 1,
    )

    saved = {name: state_dir / f"{name}.state" if state_dir else None for name in ports}
    with (
        BackgroundServer(tiktok_app(tiktok_config, saved["tiktok"]), port=ports["tiktok"]) as tiktok_server,
        BackgroundServer(shippo_app(shippo_config, saved["shippo"]), port=ports["shippo"]) as shippo_server,
        BackgroundServer(
            easypost_app(easypost_config, saved["easypost"]), port=ports["easypost"]
        ) as easypost_server,
    ):
        pointed = settings.model_copy(
            update={
                "tiktok": settings.tiktok.model_copy(
                    update={
                        "api_base_url": tiktok_server.url,
                        "auth_base_url": tiktok_server.url,
                        "authorize_url": f"{tiktok_server.url}/open/authorize",
                    }
                ),
                "shippo": settings.shippo.model_copy(update={"base_url": shippo_server.url}),
                "easypost": settings.easypost.model_copy(update={"base_url": f"{easypost_server.url}/v2"}),
            }
        )
        yield Emulators(pointed, tiktok_server.url, shippo_server.url, easypost_server.url)


def _ports(settings: Settings) -> dict[str, int]:
    def port(url: str) -> int:
        return int(url.rsplit(":", 1)[1].split("/", 1)[0])

    return {
        "tiktok": port(settings.tiktok.api_base_url),
        "shippo": port(settings.shippo.base_url),
        "easypost": port(settings.easypost.base_url),
    }


@dataclass
class Stack:
    emulators: Emulators
    settings: Settings
    store: Store
    client: Client
    api_url: str
    control: TikTokSandboxControl


@contextlib.asynccontextmanager
async def running_stack(
    emulators: Emulators,
    client: Client,
    *,
    api_port: int = 0,
    forward_interval: float = 1.0,
    with_workers: bool = True,
) -> AsyncIterator[Stack]:
    """API (and workers, unless they run elsewhere) on the current event loop, with every emulator's
    webhooks aimed at the API."""
    settings = emulators.settings
    store = runtime.store(settings)
    app = runtime.api_app(settings, client, store, forward_interval=forward_interval)
    control = TikTokSandboxControl(emulators.tiktok_url)
    tiktok = TikTokShopClient(settings.tiktok)
    workers = build_workers(client, settings, store, tiktok) if with_workers else []
    async with serving(app, port=api_port) as api_url, tiktok:
        await aim_webhooks(emulators, control, api_url)
        async with running_workers(workers):
            try:
                yield Stack(emulators, settings, store, client, api_url, control)
            finally:
                await control.aclose()


async def aim_webhooks(emulators: Emulators, control: TikTokSandboxControl, api_url: str) -> None:
    """Every emulator's webhooks to `api_url`'s `/webhooks/{tiktok,shippo,easypost}`, with our secrets."""
    settings = emulators.settings
    await control.configure_webhooks(default_url=f"{api_url}/webhooks/tiktok")
    token = settings.shippo.webhook_token.get_secret_value()
    async with httpx.AsyncClient(timeout=10) as http:
        shippo = await http.put(
            f"{emulators.shippo_url}/_admin/webhook", json={"url": f"{api_url}/webhooks/shippo?token={token}"}
        )
        shippo.raise_for_status()
        easypost = await http.put(
            f"{emulators.easypost_url}/_admin/webhook",
            json={
                "url": f"{api_url}/webhooks/easypost",
                "secret": settings.easypost.webhook_secret.get_secret_value(),
            },
        )
        easypost.raise_for_status()


class SandboxShop(BaseModel):
    seller_id: str
    shop_id: str
    sku_id: str


async def authorize_on_tiktok(
    api_url: str, control: TikTokSandboxControl, seller_id: str, *, deny: bool = False
) -> dict[str, str]:
    """A seller clicks "connect" on our API, then Authorize (or Deny) on TikTok's page; returns the query
    TikTok redirects back to our callback with."""
    async with httpx.AsyncClient(timeout=30) as http:
        connect = await http.get(f"{api_url}/shops/connect")
    if connect.status_code != 302:
        raise RuntimeError(f"/shops/connect answered {connect.status_code}: {connect.text[:300]}")
    return await control.approve(connect.headers["location"], seller_id, deny=deny)


async def oauth_callback(api_url: str, redirect: dict[str, str]) -> httpx.Response:
    """The seller's browser following TikTok's redirect to our callback."""
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(f"{api_url}{OAUTH_CALLBACK_PATH}", params=redirect)


def tiktok_package(pounds: str, inches: tuple[str, str, str]) -> dict[str, Any]:
    """A product's packed unit as a US seller enters it on TikTok (`TikTokSandboxControl.create_product`)."""
    length, width, height = inches
    return {
        "package_weight": {"value": pounds, "unit": "POUND"},
        "package_dimensions": {"length": length, "width": width, "height": height, "unit": "INCH"},
    }


# The sandbox product's packed unit: labels are quoted for it.
SERUM_PACKAGE = tiktok_package("0.35", ("6", "2.5", "2.5"))
# The same, as a seller outside the US enters it: TikTok takes kilograms and centimetres there.
METRIC_SERUM_PACKAGE = {
    "package_weight": {"value": "0.16", "unit": "KILOGRAM"},
    "package_dimensions": {"length": "15", "width": "6.5", "height": "6.5", "unit": "CENTIMETER"},
}


async def connect_sandbox_shop(
    stack: Stack, seller_name: str = "Glow Lab Cosmetics", region: str = "US"
) -> SandboxShop:
    """A seller on the emulator connects their shop through our real onboarding flow (connect link,
    TikTok's authorize page, our callback), which stores the shop and starts its workflow. A GB seller's
    shop sells in pounds from British warehouses, and entered its serum's package in metric units."""
    seller = await stack.control.create_seller(seller_name, base_region=region)
    redirect = await authorize_on_tiktok(stack.api_url, stack.control, seller.id)
    callback = await oauth_callback(stack.api_url, redirect)
    if callback.status_code != 200:
        raise RuntimeError(f"connecting the sandbox shop failed: {callback.text[:500]}")
    shop = seller.shops[0]
    product = await stack.control.create_product(
        shop.id,
        "Glow Serum 30ml",
        [{"seller_sku": "SERUM-30", "price": "24.00", "stock": 99999}],
        SERUM_PACKAGE if region == "US" else METRIC_SERUM_PACKAGE,
    )
    await ensure_catalog(stack.client, shop.id, stack.settings.inventory)
    return SandboxShop(seller_id=seller.id, shop_id=shop.id, sku_id=product.skus[0].id)


def carrier_traffic(
    stack: Stack, *shop_ids: str, tick_seconds: float = 0.3
) -> contextlib.AbstractAsyncContextManager[CarrierTraffic]:
    """The carriers scanning every label the stack's shops bought, while the block runs."""
    return carriers_at_work(stack.control, stack.emulators.carrier_urls, shop_ids, tick_seconds=tick_seconds)
