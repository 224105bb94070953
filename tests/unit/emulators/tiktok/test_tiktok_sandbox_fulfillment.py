"""Fulfillment and logistics: shipping (seller or TikTok), its errors, carrier progress, labels, providers."""

from __future__ import annotations

from typing import Any

from tiktok_sandbox_helpers import Emulator, Shop, StartEmulator, wait_for

USPS, UPS = "6617675021119438849", "6617675021119438850"


def mark_shipped(shop: Shop, order_id: str, tracking: str, provider: str = USPS, **body: Any) -> Any:
    path = f"/fulfillment/202309/orders/{order_id}/packages"
    return shop.api.call(
        "POST", path, body={"tracking_number": tracking, "shipping_provider_id": provider, **body}
    )


def order_of(shop: Shop, order_id: str) -> dict[str, Any]:
    return dict(shop.api.ok("GET", "/order/202309/orders", {"ids": order_id})["orders"][0])


def ready_order(emulator: Emulator, shop: Shop, **options: Any) -> dict[str, Any]:
    return emulator.orders(shop, on_hold=False, **options)[0]


def test_mark_as_shipped_moves_the_order_to_awaiting_collection(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop, quantity=2)
    shipped = mark_shipped(shop, order["id"], "9400111899223197428490")
    assert shipped.code == 0
    package_id = order["packages"][0]["id"]
    assert shipped.data == {
        "order_id": order["id"],
        "order_line_item_ids": [item["id"] for item in order["line_items"]],
        "package_id": package_id,
    }
    found = order_of(shop, order["id"])
    assert found["status"] == "AWAITING_COLLECTION"
    assert (found["tracking_number"], found["shipping_provider"]) == ("9400111899223197428490", "USPS")
    assert {
        (i["tracking_number"], i["shipping_provider_name"], i["package_status"]) for i in found["line_items"]
    } == {("9400111899223197428490", "USPS", "PROCESSING")}
    package = shop.api.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    assert (
        package["package_status"] == "PROCESSING" and package["tracking_number"] == "9400111899223197428490"
    )
    assert package["orders"] == [{"id": order["id"]}]


def test_shipping_twice_is_package_already_shipped(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop)
    assert mark_shipped(shop, order["id"], "1ZTWICE0001").code == 0
    again = mark_shipped(shop, order["id"], "1ZTWICE0001")
    assert again.code == 21011040 and again.message.startswith("Package has already been shipped")
    package_id = order["packages"][0]["id"]
    body = {"self_shipment": {"tracking_number": "1ZTWICE0002", "shipping_provider_id": UPS}}
    assert (
        shop.api.call("POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body).code == 21011040
    )


def test_a_tracking_number_serves_one_package_only(emulator: Emulator, shop: Shop) -> None:
    first, second = (ready_order(emulator, shop) for _ in range(2))
    assert mark_shipped(shop, first["id"], "1ZSHARED").code == 0
    duplicate = mark_shipped(shop, second["id"], "1ZSHARED")
    assert duplicate.code == 21011025
    assert order_of(shop, second["id"])["status"] == "AWAITING_SHIPMENT"


def test_orders_on_hold_or_shipped_by_tiktok_cannot_be_marked_shipped(emulator: Emulator, shop: Shop) -> None:
    held = emulator.orders(shop)[0]
    assert mark_shipped(shop, held["id"], "1ZHELD").code == 99021001
    tiktok = ready_order(emulator, shop, shipping_type="TIKTOK")
    assert mark_shipped(shop, tiktok["id"], "1ZTIKTOK").code == 99021005


def test_providers_must_come_from_the_delivery_option(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop)
    assert mark_shipped(shop, order["id"], "1ZPROVIDER", provider="123").code == 99021002


def test_shipping_part_of_an_order_splits_it(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop, quantity=3)
    item_ids = [item["id"] for item in order["line_items"]]
    first = mark_shipped(shop, order["id"], "1ZPART1", order_line_item_ids=item_ids[:1])
    assert first.code == 0 and first.data["package_id"] != order["packages"][0]["id"]
    found = order_of(shop, order["id"])
    assert found["status"] == "PARTIALLY_SHIPPING" and len(found["packages"]) == 2
    assert mark_shipped(shop, order["id"], "1ZPART2").code == 0
    assert order_of(shop, order["id"])["status"] == "AWAITING_COLLECTION"
    split = [d["notification"] for d in emulator.deliveries(shop_id=shop.shop_id, type=4)]
    assert [(n["data"]["sc_type"], n["data"]["role_type"]) for n in split] == [("SPLIT", "ROLE_SELLER")]
    assert {p["package_id"] for p in split[0]["data"]["package_list"]} == {p["id"] for p in found["packages"]}


def test_tiktok_shipping_assigns_the_tracking_number_and_serves_a_pdf_label(
    emulator: Emulator, shop: Shop
) -> None:
    order = ready_order(emulator, shop, shipping_type="TIKTOK")
    package_id = order["packages"][0]["id"]
    path = f"/fulfillment/202309/packages/{package_id}/shipping_documents"
    document = shop.api.ok("GET", path, {"document_type": "SHIPPING_LABEL"})
    assert document["tracking_number"].startswith("9400")
    label = emulator.http.get(document["doc_url"])
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    assert label.content.startswith(b"%PDF-1.4") and label.content.rstrip().endswith(b"%%EOF")
    assert document["tracking_number"].encode() in label.content
    shipped = shop.api.call(
        "POST", f"/fulfillment/202309/packages/{package_id}/ship", body={"handover_method": "PICKUP"}
    )
    assert shipped.code == 0 and shipped.data == {}
    found = order_of(shop, order["id"])
    assert (
        found["status"] == "AWAITING_COLLECTION" and found["tracking_number"] == document["tracking_number"]
    )
    emulator.advance(24 * 3600 + 1)
    assert emulator.http.get(document["doc_url"]).status_code == 403


def test_shipping_documents_need_a_document_type_and_tiktok_shipping(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop)
    path = f"/fulfillment/202309/packages/{order['packages'][0]['id']}/shipping_documents"
    assert shop.api.call("GET", path).code == 36009004
    assert shop.api.call("GET", path, {"document_type": "SHIPPING_LABEL"}).code == 21008017


def test_ship_package_needs_self_shipment_for_seller_shipping(emulator: Emulator, shop: Shop) -> None:
    package_id = ready_order(emulator, shop)["packages"][0]["id"]
    path = f"/fulfillment/202309/packages/{package_id}/ship"
    missing = shop.api.call("POST", path, body={"handover_method": "DROP_OFF"})
    assert missing.code == 36009004 and "self_shipment" in missing.message
    body = {
        "handover_method": "DROP_OFF",
        "self_shipment": {"tracking_number": "1ZSELF", "shipping_provider_id": UPS},
    }
    assert shop.api.call("POST", path, body=body).code == 0
    package = shop.api.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    assert (package["shipping_provider_name"], package["handover_method"]) == ("UPS", "DROP_OFF")


def test_carrier_scans_delivery_and_completion_move_the_order(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop)
    assert mark_shipped(shop, order["id"], "1ZJOURNEY").code == 0
    for action, status in (
        ("carrier_scan", "IN_TRANSIT"),
        ("deliver", "DELIVERED"),
        ("complete", "COMPLETED"),
    ):
        assert emulator.post(f"/orders/{order['id']}/{action}")["order"]["status"] == status
        assert order_of(shop, order["id"])["status"] == status
    tracking = shop.api.ok("GET", f"/fulfillment/202309/orders/{order['id']}/tracking")["tracking"]
    assert [event["description"] for event in tracking] == [
        "Package delivered",
        "Package picked up by the carrier",
        "Seller has shipped your package",
    ]
    assert all(event["update_time_millis"] > 10**12 for event in tracking)
    assert emulator.admin.post(f"/orders/{order['id']}/deliver").status_code == 409


def test_delivered_orders_complete_on_their_own(emulator: Emulator, shop: Shop) -> None:
    order = ready_order(emulator, shop)
    mark_shipped(shop, order["id"], "1ZAUTOCOMPLETE")
    emulator.post(f"/orders/{order['id']}/carrier_scan")
    emulator.post(f"/orders/{order['id']}/deliver")
    emulator.advance(7 * 24 * 3600 - 5)
    assert order_of(shop, order["id"])["status"] == "DELIVERED"
    emulator.advance(5)
    assert emulator.order(order["id"])["order"]["status"] == "COMPLETED"  # the token has expired by now


def test_package_search_pages_and_filters_by_status(emulator: Emulator, shop: Shop) -> None:
    orders = [ready_order(emulator, shop) for _ in range(3)]
    mark_shipped(shop, orders[0]["id"], "1ZSEARCH")
    emulator.post(f"/orders/{orders[0]['id']}/carrier_scan")
    search = "/fulfillment/202309/packages/search"
    page = shop.api.ok("POST", search, {"page_size": 2}, {})
    assert page["total_count"] == 3 and len(page["packages"]) == 2 and page["next_page_token"]
    in_transit = shop.api.ok("POST", search, {"page_size": 50}, {"package_status": "FULFILLING"})["packages"]
    assert [p["orders"] for p in in_transit] == [[{"id": orders[0]["id"]}]]
    assert shop.api.call("POST", search, {"page_size": 51}, {}).code == 36009004


def test_logistics_lists_warehouses_options_and_real_carriers(shop: Shop) -> None:
    warehouses = shop.api.ok("GET", "/logistics/202309/warehouses")["warehouses"]
    assert {(w["type"], w["is_default"]) for w in warehouses} == {
        ("SALES_WAREHOUSE", True),
        ("RETURN_WAREHOUSE", True),
    }
    options = shop.api.ok("GET", f"/logistics/202309/warehouses/{shop.warehouse_id}/delivery_options")[
        "delivery_options"
    ]
    by_type = {option["type"]: option["id"] for option in options}
    assert set(by_type) == {"STANDARD", "SEND_BY_SELLER"}
    providers_path = "/logistics/202309/delivery_options/{}/shipping_providers"
    providers = shop.api.ok("GET", providers_path.format(by_type["SEND_BY_SELLER"]))["shipping_providers"]
    assert [p["name"] for p in providers] == ["USPS", "UPS", "FedEx", "DHL eCommerce"]
    assert shop.api.call("GET", providers_path.format(by_type["STANDARD"])).code == 21008117


def test_timing_rules_can_be_configured(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(world={"auto_complete_seconds": 1, "hold_window_seconds": 0}, tick_seconds=0.05)
    shop = emulator.new_shop()
    order = emulator.orders(shop)[0]
    wait_for(lambda: order_of(shop, order["id"])["status"] == "AWAITING_SHIPMENT")
    mark_shipped(shop, order["id"], "1ZQUICK")
    emulator.post(f"/orders/{order['id']}/carrier_scan")
    emulator.post(f"/orders/{order['id']}/deliver")
    wait_for(lambda: order_of(shop, order["id"])["status"] == "COMPLETED", timeout=4)
