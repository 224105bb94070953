"""The client on each TikTok API version it knows, against the emulator over HTTP: the versions differ on the
wire (reference §5.2, §5.5) but parse to the same domain models; and the version settings' validation."""

from __future__ import annotations

import pytest
from client_helpers import Seller, settings_for
from pydantic import ValidationError

from creatorflow.config import Settings, TikTokSettings
from creatorflow.orders import snapshot_of
from creatorflow.tiktok.client import ORDER_DETAIL, PRODUCT_SEARCH, TikTokShopClient
from creatorflow.tiktok.versions import KNOWN_VERSIONS, ApiVersions
from emulators.tiktok.admin_client import TikTokSandboxControl

OLD = ApiVersions(orders="202309", products="202309")
NEW = ApiVersions(orders="202507", products="202502")


def client_on(emulator_url: str, versions: ApiVersions) -> TikTokShopClient:
    return TikTokShopClient(settings_for(emulator_url, api_versions=versions))


async def test_order_detail_on_both_versions_gives_the_same_orders_and_snapshots(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    placed = await control.create_orders(seller.shop.shop_id, seller.sku_ids[0], count=2, on_hold=False)
    ids = [order["id"] for order in placed]
    async with client_on(emulator_url, OLD) as old, client_on(emulator_url, NEW) as new:
        before = {v: len(await control.ledger(f"/order/{v}/orders")) for v in ("202309", "202507")}
        old_orders = await old.get_orders(seller.shop, ids)
        new_orders = await new.get_orders(seller.shop, ids)
    for version in ("202309", "202507"):
        assert len(await control.ledger(f"/order/{version}/orders")) == before[version] + 1
    assert [order.id for order in new_orders] == ids
    assert new_orders == old_orders
    shop_id = seller.shop.shop_id
    assert [snapshot_of(shop_id, o) for o in new_orders] == [snapshot_of(shop_id, o) for o in old_orders]


async def test_product_search_on_both_versions_gives_the_same_products(
    emulator_url: str, control: TikTokSandboxControl, seller: Seller
) -> None:
    async with client_on(emulator_url, OLD) as old, client_on(emulator_url, NEW) as new:
        old_page = await old.search_products(seller.shop)
        new_page = await new.search_products(seller.shop)
    assert [product.id for product in new_page.products] == [seller.product_id]
    assert new_page.products[0].skus[0].inventory[0].quantity == 5000
    assert new_page == old_page
    for version in ("202309", "202502"):
        assert await control.ledger(f"/product/{version}/products/search")


def test_each_family_defaults_to_its_newest_documented_version() -> None:
    assert ApiVersions() == NEW
    assert TikTokSettings().api_versions == NEW
    assert ORDER_DETAIL.at(ApiVersions()) == "/order/202507/orders"
    assert PRODUCT_SEARCH.at(ApiVersions()) == "/product/202502/products/search"
    assert {family: versions[-1] for family, versions in KNOWN_VERSIONS.items()} == NEW.model_dump()


def test_an_api_with_no_newer_version_stays_on_its_own() -> None:
    """The orders family at 202507 does not move Get Order Detail past it, nor drag older APIs along."""
    assert ORDER_DETAIL.at(OLD) == "/order/202309/orders"
    assert PRODUCT_SEARCH.at(ApiVersions(products="202309")) == "/product/202309/products/search"


@pytest.mark.parametrize("family", ["orders", "products"])
@pytest.mark.parametrize("version", ["202401", "202601", "latest", ""])
def test_a_version_the_client_does_not_parse_is_refused(family: str, version: str) -> None:
    with pytest.raises(ValidationError, match=f"{family} API version"):
        ApiVersions.model_validate({family: version})


def test_versions_are_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATORFLOW_TIKTOK__API_VERSIONS__ORDERS", "202309")
    assert Settings().tiktok.api_versions == ApiVersions(orders="202309")
    monkeypatch.setenv("CREATORFLOW_TIKTOK__API_VERSIONS__PRODUCTS", "202411")
    with pytest.raises(ValidationError, match="products API version '202411'"):
        Settings()
