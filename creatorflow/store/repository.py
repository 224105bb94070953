"""`Repository`: what every aggregate's reads and writes stand on, one engine with short transactions.

Each aggregate (`shops`, `inbox`, `orders`, `stock`, `cursors`, `rules`, `warehouses`) is a mixin of this
class; `Store` in `facade.py` puts them together over one engine, so callers keep a single object.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine


class Repository:
    """Synchronous on purpose (SQLAlchemy sessions): async callers run these methods in a thread."""

    engine: Engine
