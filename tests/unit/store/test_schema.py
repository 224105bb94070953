"""The table names are a contract with existing databases: renaming a row class must not rename its table."""

from __future__ import annotations

from sqlmodel import SQLModel

import creatorflow.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def test_every_table_keeps_its_name() -> None:
    assert sorted(SQLModel.metadata.tables) == [
        "catalogsku",
        "label",
        "oauthstate",
        "orderrecord",
        "returnrecord",
        "shop",
        "shoptoken",
        "stockdeactivation",
        "stockreservation",
        "synccursor",
        "webhookevent",
    ]
