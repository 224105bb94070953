"""The schema is a contract with existing databases: renaming a row class must not rename its table, and a
column added since is added to a database made before it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import creatorflow.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.db import create_schema
from creatorflow.store.tables import ReservationStatus


def test_every_table_keeps_its_name() -> None:
    assert sorted(SQLModel.metadata.tables) == [
        "alert",
        "alert_delivery",
        "alert_settings",
        "box_preset",
        "catalogsku",
        "delivery_option",
        "finance_order",
        "finance_statement",
        "finance_transaction",
        "label",
        "label_document",
        "oauthstate",
        "orderrecord",
        "product_package",
        "reconcile_check",
        "returnrecord",
        "shipping_rule",
        "shipping_settings",
        "shop",
        "shop_payment_hold",
        "shop_warehouse",
        "shoptoken",
        "sku_package_override",
        "stockdeactivation",
        "stockreservation",
        "synccursor",
        "tiktok_shipping_quote",
        "warehouse_stock",
        "webhookevent",
    ]


def test_a_database_from_before_the_label_baseline_gains_its_columns_and_keeps_its_labels(
    engine: Engine, keyring: Keyring
) -> None:
    create_schema(engine)
    new_columns = ("baseline_cost", "baseline_service", "decided_by")
    with engine.begin() as connection:
        for column in new_columns:  # the label table as released before these columns
            connection.execute(text(f'ALTER TABLE label DROP COLUMN "{column}"'))
        connection.execute(
            text(
                "INSERT INTO label (idempotency_key, shop_id, order_id, provider, provider_label_id,"
                " shipment_id, rate_id, carrier, service, cost, currency, tracking_number, label_url,"
                " choice_reason, status, created_at) VALUES ('k1', 's1', 'o1', 'shippo', 'l1', '', '',"
                " 'USPS', 'usps_priority', 7.15, 'USD', '9400', '', '', 'PURCHASED', CURRENT_TIMESTAMP)"
            )
        )
    create_schema(engine)
    [old] = Store(engine, keyring).labels(shop_id="s1")
    assert (old.idempotency_key, old.cost, old.baseline_cost, old.decided_by) == (
        "k1",
        Decimal("7.15"),
        None,
        None,
    )
    assert {c["name"] for c in inspect(engine).get_columns("label")} >= set(new_columns)


def test_a_database_with_stock_per_sku_keeps_its_counts_and_reservations_per_warehouse(
    engine: Engine, keyring: Keyring
) -> None:
    create_schema(engine)
    with engine.begin() as connection:  # catalogsku and stockreservation as released before
        connection.execute(text("DROP TABLE warehouse_stock"))
        connection.execute(text('ALTER TABLE stockreservation DROP COLUMN "warehouse_id"'))
        for column, kind in (
            ("warehouse_id", "VARCHAR NOT NULL DEFAULT ''"),
            ("on_hand", "INTEGER NOT NULL DEFAULT 0"),
            ("reserved", "INTEGER NOT NULL DEFAULT 0"),
            ("tiktok_quantity", "INTEGER"),
        ):
            connection.execute(text(f'ALTER TABLE catalogsku ADD COLUMN "{column}" {kind}'))
        connection.execute(
            text(
                "INSERT INTO catalogsku (shop_id, sku_id, product_id, title, product_status, seller_sku,"
                " warehouse_id, on_hand, reserved, tiktok_quantity, updated_at) VALUES"
                " ('s1', 'lip', 'p1', 'Lip Oil', 'ACTIVATE', 'LIP', 'wh-1', 40, 3, 32, CURRENT_TIMESTAMP),"
                " ('s1', 'gloss', 'p1', 'Gloss', 'ACTIVATE', 'GLOSS', '', 0, 0, NULL, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO stockreservation (shop_id, order_id, sku_id, quantity, status, updated_at)"
                " VALUES ('s1', 'o1', 'lip', 3, 'RESERVED', CURRENT_TIMESTAMP)"
            )
        )
    create_schema(engine)
    create_schema(engine)  # once migrated, again is nothing
    store = Store(engine, keyring)
    levels = {level.sku_id: level for level in store.stock_levels("s1")}
    lip, gloss = levels["lip"], levels["gloss"]
    assert (lip.warehouse_id, lip.on_hand, lip.reserved, lip.tiktok_quantity, lip.assigned) == (
        "wh-1",
        40,
        3,
        32,
        True,
    )
    assert (gloss.warehouse_id, gloss.on_hand, gloss.assigned) == ("", 0, False)  # TikTok listed none
    assert {c["name"] for c in inspect(engine).get_columns("catalogsku")}.isdisjoint({"on_hand", "reserved"})
    assert store.settle_reservation("s1", "o1", ReservationStatus.SHIPPED)  # the held units leave wh-1
    [lip] = [level for level in store.stock_levels("s1") if level.sku_id == "lip"]
    assert (lip.on_hand, lip.reserved) == (37, 0)
