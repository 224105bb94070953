"""Both versions of Get Order Detail (202309, 202507; §5.2) and of Search Products (202309, 202502; §5.5),
each in its own shape; a version TikTok never had is 36009014 (§3.4)."""

from __future__ import annotations

from tiktok_sandbox_helpers import Emulator, Shop

SEARCH = "/product/{}/products/search"


def test_order_detail_answers_on_both_versions(emulator: Emulator, shop: Shop) -> None:
    (order,) = emulator.orders(shop, on_hold=False)
    old, new = (shop.api.ok("GET", f"/order/{v}/orders", {"ids": order["id"]}) for v in ("202309", "202507"))
    assert new["orders"][0]["id"] == order["id"]
    assert old == new  # the two differ only in SEA-only fields; the emulator's shops are US and GB


def test_product_search_answers_each_version_in_its_own_shape(shop: Shop) -> None:
    old, new = (shop.api.ok("POST", SEARCH.format(v), {"page_size": 10}, {}) for v in ("202309", "202502"))
    [old_row], [new_row] = old["products"], new["products"]
    assert old_row["id"] == new_row["id"] == shop.product_id
    assert {"has_draft", "is_not_for_sale"}.isdisjoint(old_row)
    assert not new_row["has_draft"] and not new_row["is_not_for_sale"]
    assert old_row["sales_regions"] == new_row["sales_regions"] == ["US"]
    assert [set(sku) for sku in old_row["skus"]] == [{"id", "seller_sku", "price", "inventory"}] * 2
    assert [sku.pop("status_info") for sku in new_row["skus"]] == [{"status": "NORMAL"}] * 2
    assert new_row["skus"] == old_row["skus"]


def test_sku_ids_filter_exists_on_202502_only(shop: Shop) -> None:
    """202309's body has no `sku_ids` (TikTok's SDK model of it), so the filter is not applied there."""
    body = {"sku_ids": ["1729000000000000000"]}
    assert shop.api.ok("POST", SEARCH.format("202502"), {"page_size": 10}, body)["products"] == []
    assert len(shop.api.ok("POST", SEARCH.format("202309"), {"page_size": 10}, body)["products"]) == 1


def test_a_version_tiktok_never_had_is_refused(shop: Shop) -> None:
    answer = shop.api.call("GET", "/order/202401/orders", {"ids": "1"})
    assert answer.code == 36009014
