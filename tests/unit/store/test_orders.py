"""Order projections and bought labels, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from creatorflow.store import Store
from creatorflow.store.tables import LabelRow, LabelStatus, OrderRecord


def test_order_projection_never_goes_back_in_tiktok_time(store: Store) -> None:
    store.upsert_order(
        OrderRecord(
            shop_id="s",
            order_id="o",
            state="SHIPPED",
            tiktok_status="AWAITING_COLLECTION",
            tiktok_update_time=20,
        )
    )
    store.upsert_order(
        OrderRecord(
            shop_id="s",
            order_id="o",
            state="SHIPPED",
            tiktok_status="AWAITING_SHIPMENT",
            tiktok_update_time=10,
            tracking_number="1Z",
        )
    )
    record = store.order("s", "o")
    assert record is not None
    assert (record.tiktok_status, record.tiktok_update_time, record.tracking_number) == (
        "AWAITING_COLLECTION",
        20,
        "1Z",
    )
    assert [o.order_id for o in store.orders(state="SHIPPED")] == ["o"]


def test_one_label_per_idempotency_key(store: Store) -> None:
    def label(provider_label_id: str) -> LabelRow:
        return LabelRow(
            idempotency_key="order:s:o:label:1",
            shop_id="s",
            order_id="o",
            provider="easypost",
            provider_label_id=provider_label_id,
            cost=Decimal("7.45"),
            tracking_number="9400",
        )

    first = store.save_label(label("shp_1"))
    again = store.save_label(label("shp_2"))
    assert again.id == first.id and again.provider_label_id == "shp_1"
    assert again.cost == Decimal("7.45")
    assert len(store.labels(order_id="o")) == 1
    assert store.set_label_status("order:s:o:label:1", LabelStatus.REFUNDED).status is LabelStatus.REFUNDED
