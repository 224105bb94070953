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
        "shop_warehouse",
        "shoptoken",
        "sku_package_override",
        "stockdeactivation",
        "stockreservation",
        "synccursor",
        "tiktok_shipping_quote",
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
