"""Engines for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import SQLModel, create_engine

from creatorflow.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

# A connect gives up before the shortest activity timeout (the fast stack's 4 s), as every client does.
CONNECT_TIMEOUT_SECONDS = 3


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs; creates the SQLite file's folder."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Pre-ping: a connection the server dropped (a restart) is replaced on checkout instead of failing the
    # first statement after the server is back. The connect timeout: a server that does not answer at all
    # (a network partition) fails the connect instead of holding the calling thread for ever.
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def unreachable(exc: BaseException) -> TypeGuard[SQLAlchemyError]:
    """True when the database could not be reached or dropped the connection (down, restarting, the network,
    no pooled connection free in time): a condition that waiting cures, unlike an error in what was asked."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, PoolTimeoutError)


def describe(exc: SQLAlchemyError) -> str:
    """The driver's error in one line (SQLAlchemy's own text adds the statement and a link over several)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API write webhooks while workers read; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_schema(engine: Engine) -> None:
    """New tables, and the nullable columns added to existing ones since a database was created."""
    SQLModel.metadata.create_all(engine)
    _add_new_columns(engine)
    _move_stock_to_warehouses(engine)
    if engine.dialect.name == "postgresql":
        # PostgreSQL keeps ShopStatus as an enum type that create_all never changes once it exists.
        with engine.begin() as connection:
            connection.execute(text("ALTER TYPE shopstatus ADD VALUE IF NOT EXISTS 'NEEDS_REAUTHORIZATION'"))


def _add_new_columns(engine: Engine) -> None:
    """`create_all` never alters a table that exists; a column added to a table since is added here. Only
    nullable columns are ever added after release, so existing rows need no value."""
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if not existing.has_table(table.name):
                continue
            present = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable:
                    raise RuntimeError(f"{table.name}.{column.name} is new and NOT NULL: write a migration")
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))


# The columns a SKU's stock had when it was kept per SKU with one warehouse (`catalogsku`).
_SKU_STOCK_COLUMNS = ("warehouse_id", "on_hand", "reserved", "tiktok_quantity")


def _move_stock_to_warehouses(engine: Engine) -> None:
    """A database from when stock was per SKU keeps it: each SKU's one row becomes its row in the warehouse
    it named, its orders' reservations are held there, and the old columns go. One transaction (both
    backends run DDL in one), so a failure leaves the old shape to migrate again."""
    if not {"on_hand"} <= {column["name"] for column in inspect(engine).get_columns("catalogsku")}:
        return
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO warehouse_stock (shop_id, sku_id, warehouse_id, on_hand, reserved,"
                " tiktok_quantity, assigned, updated_at) SELECT shop_id, sku_id, warehouse_id, on_hand,"
                " reserved, tiktok_quantity, warehouse_id <> '', updated_at FROM catalogsku"
            )
        )
        connection.execute(
            text(
                "UPDATE stockreservation SET warehouse_id = (SELECT c.warehouse_id FROM catalogsku c"
                " WHERE c.shop_id = stockreservation.shop_id AND c.sku_id = stockreservation.sku_id)"
                " WHERE warehouse_id IS NULL"
            )
        )
        for column in _SKU_STOCK_COLUMNS:
            connection.execute(text(f'ALTER TABLE catalogsku DROP COLUMN "{column}"'))
