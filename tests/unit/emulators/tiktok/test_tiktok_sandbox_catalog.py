"""Products and inventory (§5.5), finance statements (§5.7) and the shop's webhook settings (§5.1)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tiktok_sandbox_helpers import Emulator, Shop

PRODUCT = "/product/202309/products/{}"
INVENTORY = "/product/202309/products/{}/inventory/update"
WEBHOOKS = "/event/202309/webhooks"


def inventory_of(shop: Shop) -> list[int]:
    product = shop.api.ok("GET", PRODUCT.format(shop.product_id))
    return [sku["inventory"][0]["quantity"] for sku in product["skus"]]


def stock(sku_id: str, quantity: int, warehouse_id: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"quantity": quantity}
    if warehouse_id:
        level["warehouse_id"] = warehouse_id
    return {"id": sku_id, "inventory": [level]}


def test_products_are_searchable_and_readable(emulator: Emulator, shop: Shop) -> None:
    found = shop.api.ok(
        "POST", "/product/202309/products/search", {"page_size": 10}, {"seller_skus": ["TEE-M"]}
    )
    assert [p["id"] for p in found["products"]] == [shop.product_id] and found["total_count"] == 1
    product = shop.api.ok("GET", PRODUCT.format(shop.product_id))
    assert product["status"] == "ACTIVATE"
    assert product["skus"][1]["price"] == {
        "currency": "USD",
        "tax_exclusive_price": "21.50",
        "sale_price": "21.50",
    }
    assert (
        shop.api.call("POST", "/product/202309/products/search", body={}).code == 36009004
    )  # page_size required
    assert shop.api.call("GET", PRODUCT.format("1729000000000000000")).code == 99012001


def test_inventory_updates_apply_per_sku_and_report_the_rest(shop: Shop) -> None:
    good, bad = shop.sku_ids
    data = shop.api.ok(
        "POST",
        INVENTORY.format(shop.product_id),
        body={"skus": [stock(good, 40, shop.warehouse_id), stock(bad, 0)]},
    )
    (error,) = data["errors"]
    assert error["detail"]["sku_id"] == bad and error["detail"]["extra_errors"][0]["code"] == 99012004
    assert "99999" in error["detail"]["extra_errors"][0]["message"]
    assert inventory_of(shop) == [40, 100]


def test_inventory_updates_name_the_skus_and_warehouses_of_the_product(
    emulator: Emulator, shop: Shop
) -> None:
    other = emulator.new_shop()
    body = {
        "skus": [stock(other.sku_ids[0], 5), stock(shop.sku_ids[0], 5, warehouse_id="7281000000000000000")]
    }
    errors = shop.api.ok("POST", INVENTORY.format(shop.product_id), body=body)["errors"]
    assert [e["code"] for e in errors] == [99012003, 99012004]
    assert inventory_of(shop) == [100, 100]


def test_only_active_products_take_inventory_updates(emulator: Emulator, shop: Shop) -> None:
    emulator.post(f"/products/{shop.product_id}/status", {"status": "SELLER_DEACTIVATED"})
    answer = shop.api.call(
        "POST", INVENTORY.format(shop.product_id), body={"skus": [stock(shop.sku_ids[0], 5)]}
    )
    assert answer.code == 99012002
    (pushed,) = [d["notification"]["data"] for d in emulator.deliveries(shop_id=shop.shop_id, type=5)]
    assert pushed["product_id"] == shop.product_id and pushed["status"] == "PRODUCT_STATUS_CHANGED"


def test_statements_need_a_sort_field_and_follow_completed_orders(emulator: Emulator, shop: Shop) -> None:
    assert shop.api.call("GET", "/finance/202309/statements").code == 36009004
    day = 24 * 3600
    completed_at = (int(emulator.get("/clock")["now"]) // day - 3) * day + 3600
    emulator.orders(
        shop, count=2, status="COMPLETED", create_time=completed_at - day, update_time=completed_at
    )
    statements = shop.api.ok("GET", "/finance/202309/statements", {"sort_field": "statement_time"})[
        "statements"
    ]
    (statement,) = statements
    assert statement["statement_time"] == (completed_at // day + 1) * day
    assert (statement["revenue_amount"], statement["fee_amount"]) == ("39.98", "-2.40")
    # An order now and then also gets an adjustment (a reimbursement) in the statement that settles it.
    adjustment = Decimal(statement["adjustment_amount"])
    assert Decimal(statement["settlement_amount"]) == Decimal("37.58") + adjustment
    assert statement["payment_status"] == "PAID"


def test_a_shop_sets_reads_and_deletes_its_webhook_addresses(shop: Shop) -> None:
    address = "https://hooks.example.com/tiktok"
    assert shop.api.ok("PUT", WEBHOOKS, body={"address": address, "event_type": "ORDER_STATUS_CHANGE"}) == {}
    listed = shop.api.ok("GET", WEBHOOKS)
    assert listed["total_count"] == 1
    assert (listed["webhooks"][0]["event_type"], listed["webhooks"][0]["address"]) == (
        "ORDER_STATUS_CHANGE",
        address,
    )
    assert shop.api.call("PUT", WEBHOOKS, body={"address": address, "event_type": "NOPE"}).code == 36009004
    assert shop.api.call(
        "PUT", WEBHOOKS, body={"address": "x" * 256, "event_type": "ORDER_STATUS_CHANGE"}
    ).code == (36009004)
    for _ in range(2):  # deleting what is not there still succeeds
        assert shop.api.call("DELETE", WEBHOOKS, body={"event_type": "ORDER_STATUS_CHANGE"}).code == 0
    assert shop.api.ok("GET", WEBHOOKS) == {"webhooks": [], "total_count": 0}


def test_products_change_status_at_most_20_a_call(shop: Shop) -> None:
    body = {"product_ids": [shop.product_id] * 21}
    assert shop.api.call("POST", "/product/202309/products/deactivate", body=body).code == 36009004
    assert (
        shop.api.call("POST", "/product/202309/products/activate", body={"product_ids": []}).code == 36009004
    )
