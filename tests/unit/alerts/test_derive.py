"""Which alerts the store's facts call for, and that their ids name the cause (so dedup works)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from creatorflow.alerts.derive import derive_alerts
from creatorflow.alerts.digest import digest_due
from creatorflow.alerts.models import AlertKind, AlertSettings
from creatorflow.inventory import InventoryPolicy, StockLevel
from creatorflow.store.tables import OrderRecord, Shop, ShopStatus

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SHOP = Shop(shop_id="s1", name="Shop One", cipher="c", authorization_expires_at=NOW + timedelta(days=300))
ON = AlertSettings(enabled=True, email_to=["ops@example.com"])
INVENTORY = InventoryPolicy(low_stock_threshold=10)


def link(shop_id: str, order_id: str) -> str:
    return f"http://ui/{shop_id}/{order_id}"


def order(order_id: str, **fields: object) -> OrderRecord:
    return OrderRecord(shop_id="s1", order_id=order_id, **{"state": "READY", "stage": "READY", **fields})


def ids(*orders: OrderRecord, now: datetime = NOW, shop: Shop = SHOP, **kwargs: object) -> list[str]:
    settings = ON.model_copy(update=kwargs)
    return [alert.alert_id for alert in derive_alerts(now, shop, settings, orders, [], link, INVENTORY)]


def test_a_parked_order_is_one_alert_per_reason_and_time_with_a_link_to_the_order() -> None:
    since = NOW - timedelta(minutes=3)
    parked = order("o1", state="NEEDS_ATTENTION", attention_reason="AddressInvalid", attention_since=since)
    [alert] = derive_alerts(NOW, SHOP, ON, [parked], [], link, INVENTORY)
    assert alert.alert_id == f"attention:s1:o1:AddressInvalid:{int(since.timestamp())}"
    assert alert.link == "http://ui/s1/o1"
    assert "AddressInvalid" in alert.subject
    # Parked again later, for another reason: a new alert; the same facts again: the same id.
    later = parked.model_copy(update={"attention_reason": "NoEligibleRate", "attention_since": NOW})
    assert ids(later) != ids(parked) == ids(parked)


def test_ship_by_warns_at_the_tightest_threshold_crossed_until_the_carrier_scans() -> None:
    def at(hours_left: float, **fields: object) -> list[str]:
        return ids(order("o1", ship_by=NOW + timedelta(hours=hours_left), **fields))

    assert at(30) == []
    assert at(23) == ["shipby:s1:o1:24h"]
    assert at(11) == ["shipby:s1:o1:12h"]
    assert at(3) == ["shipby:s1:o1:4h"]
    assert at(-2) == ["shipby:s1:o1:4h"]  # overdue and still not scanned
    assert at(3, state="SHIPPED", stage="SHIPPED") == ["shipby:s1:o1:4h"]  # TikTok has tracking, no scan
    assert at(3, state="IN_TRANSIT", stage="IN_TRANSIT") == []
    assert at(3, state="HELD", stage="IN_TRANSIT") == []  # held after the scan: dispatched
    assert at(3, state="CANCELLED", stage="READY") == []


def test_authorization_expiring_within_seven_days_or_failed() -> None:
    expiring = SHOP.model_copy(update={"authorization_expires_at": NOW + timedelta(days=6)})
    assert ids(shop=expiring) == [f"auth-expiring:s1:{int((NOW + timedelta(days=6)).timestamp())}"]
    assert ids(shop=SHOP.model_copy(update={"authorization_expires_at": NOW + timedelta(days=8)})) == []
    failed = SHOP.model_copy(update={"status": ShopStatus.NEEDS_REAUTHORIZATION})
    [alert_id] = ids(shop=failed)
    assert alert_id.startswith("auth-failed:s1:NEEDS_REAUTHORIZATION:")


def test_low_stock_counts_what_is_available_once_per_sku_warehouse_and_day() -> None:
    def level(
        on_hand: int, reserved: int, active: bool = True, ours: bool = False, warehouse: str = "w1"
    ) -> StockLevel:
        return StockLevel(
            shop_id="s1",
            product_id="p",
            sku_id="k1",
            warehouse_id=warehouse,
            on_hand=on_hand,
            reserved=reserved,
            active=active,
            stock_deactivated=ours,
        )

    def low(*levels: StockLevel, now: datetime = NOW, at: int | None = 4) -> list[str]:
        settings = ON.model_copy(update={"low_stock_at": at})
        return [a.alert_id for a in derive_alerts(now, SHOP, settings, [], levels, link, INVENTORY)]

    assert low(level(10, 6)) == ["lowstock:s1:k1:w1:2026-12-04"]
    assert low(level(10, 5)) == []
    assert low(level(10, 5), at=None) == ["lowstock:s1:k1:w1:2026-12-04"]  # the deployment's threshold: 10
    assert low(level(0, 0, active=False)) == []  # taken off sale by the seller: not ours to watch
    assert low(level(0, 0, active=False, ours=True)) == ["lowstock:s1:k1:w1:2026-12-04"]
    assert low(level(1, 0), now=NOW + timedelta(days=1)) == ["lowstock:s1:k1:w1:2026-12-05"]
    # Low in one warehouse of two: that warehouse's alert only.
    assert low(level(50, 0), level(2, 0, warehouse="w2")) == ["lowstock:s1:k1:w2:2026-12-04"]


def test_only_the_kinds_the_shop_chose_are_derived() -> None:
    parked = order("o1", state="NEEDS_ATTENTION", attention_reason="AddressInvalid", ship_by=NOW)
    assert [i.split(":")[0] for i in ids(parked)] == ["attention", "shipby"]
    assert [i.split(":")[0] for i in ids(parked, kinds=[AlertKind.SHIP_BY])] == ["shipby"]


def test_the_digest_is_due_once_the_sellers_local_time_passed_and_covers_the_day_before() -> None:
    settings = AlertSettings(digest_at=time(8, 0), timezone="America/Chicago")  # UTC-6 in December
    assert digest_due(datetime(2026, 12, 4, 13, 59, tzinfo=UTC), settings) is None
    window = digest_due(datetime(2026, 12, 4, 14, 0, tzinfo=UTC), settings)
    assert window is not None
    assert window.local_date == "2026-12-04"
    assert window.until == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert window.since == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    # Just after local midnight it is a new local day, not due yet.
    assert digest_due(datetime(2026, 12, 5, 6, 30, tzinfo=UTC), settings) is None


def test_settings_refuse_an_unknown_time_zone_and_send_nothing_until_enabled_with_a_channel() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        AlertSettings(timezone="Mars/Olympus")
    assert AlertSettings(email_to=["a@example.com"]).channels(log_all=False) == []
    assert AlertSettings(enabled=True).channels(log_all=False) == []
    assert [c.value for c in AlertSettings().channels(log_all=True)] == ["log"]
    both = AlertSettings(enabled=True, email_to=["a@example.com"], webhook_url="http://h")
    assert [c.value for c in both.channels(log_all=False)] == ["email", "webhook"]
