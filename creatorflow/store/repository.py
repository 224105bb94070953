"""`Repository`: what every aggregate's reads and writes stand on, one engine with short transactions.

Each aggregate (`shops`, `inbox`, `orders`, `stock`, `cursors`, `rules`, `warehouses`) is a mixin of this
class; `Store` in `facade.py` puts them together over one engine, so callers keep a single object.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel


class Repository:
    """Synchronous on purpose (SQLAlchemy sessions): async callers run these methods in a thread."""

    engine: Engine

    def _insert_new(
        self, session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]
    ) -> set[tuple[Any, ...]]:
        """Insert the rows whose `keys` are not in the table yet (one statement, many rows); the keys of
        those inserted."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        table = model.__table__  # type: ignore[attr-defined]
        statement: Insert = (
            dialect.insert(table)
            .on_conflict_do_nothing(index_elements=keys)
            .returning(*(table.c[key] for key in keys))
        )
        return {tuple(row) for row in session.execute(statement, rows)}
