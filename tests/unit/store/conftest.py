"""The store's tests run on SQLite and on the PostgreSQL at 127.0.0.1:5432 (database `test`).

Under CI=true a missing PostgreSQL fails the run; elsewhere those cases are skipped with the reason.
They carry the `postgres` marker, so `-m 'not postgres'` leaves them out.
Each PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine

POSTGRES_URL = os.environ.get("CREATORFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_engine() -> Iterator[Engine]:
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        sqlite = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        yield sqlite
        sqlite.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def key_spec() -> str:
    return Keyring.generate_spec("k1")


@pytest.fixture
def keyring(key_spec: str) -> Keyring:
    return Keyring.parse(key_spec)


@pytest.fixture
def store(engine: Engine, keyring: Keyring) -> Store:
    create_schema(engine)
    return Store(engine, keyring)
