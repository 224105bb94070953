"""`creatorflow shops hold`: a shop's hold after payment, set, shown and refused when out of bounds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creatorflow.config import get_settings
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from starter import runtime
from starter.cli import app


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CREATORFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREATORFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("CREATORFLOW_ENCRYPTION_KEYS", Keyring.generate_spec("cli"))
    get_settings.cache_clear()
    yield runtime.store(get_settings())
    get_settings.cache_clear()


def hold(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["shops", "hold", *args])
    return result.exit_code, result.output


def test_a_seller_sets_reads_and_clears_the_hold_after_payment(store: Store) -> None:
    assert hold("shop-1") == (0, "shop shop-1: hold after payment none\n")
    assert hold("shop-1", "1h30m") == (0, "shop shop-1: hold after payment 1:30:00\n")
    assert store.payment_hold("shop-1").hold == timedelta(hours=1, minutes=30)
    assert store.payment_hold("shop-2").hold == timedelta(0)  # another shop: none
    assert hold("shop-1", "0") == (0, "shop shop-1: hold after payment none\n")
    assert store.payment_hold("shop-1").hold == timedelta(0)


@pytest.mark.parametrize("duration", ["7h", "6h1m", "2 hours", "90s", "h"])
def test_a_hold_out_of_bounds_or_unreadable_is_refused_and_changes_nothing(
    store: Store, duration: str
) -> None:
    assert hold("shop-1", "2h")[0] == 0
    code, output = hold("shop-1", duration)
    assert code == 1 and "refused" in output and "nothing changed" in output
    assert store.payment_hold("shop-1").hold == timedelta(hours=2)
