"""The table names are a contract with existing databases: renaming a row class must not rename its table."""

from __future__ import annotations

from sqlmodel import SQLModel

import creatorflow.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def test_every_table_keeps_its_name() -> None:
    assert sorted(SQLModel.metadata.tables) == [
        "box_preset",
        "catalogsku",
        "label",
        "oauthstate",
        "orderrecord",
        "product_package",
        "returnrecord",
        "shipping_rule",
        "shipping_settings",
        "shop",
        "shoptoken",
        "sku_package_override",
        "stockdeactivation",
        "stockreservation",
        "synccursor",
        "webhookevent",
    ]
