"""`creatorflow alerts show|set` and `creatorflow report quality` on a store of their own."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from creatorflow.config import get_settings
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.tables import OrderRecord, Shop, utcnow
from starter import runtime
from starter.cli import app


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CREATORFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREATORFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("CREATORFLOW_ENCRYPTION_KEYS", Keyring.generate_spec("cli"))
    get_settings.cache_clear()
    store = runtime.store(get_settings())
    with Session(store.engine) as session:
        session.add(Shop(shop_id="shop-1", cipher="c"))
        session.commit()
    yield store
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_a_seller_turns_alerts_on_and_bad_settings_are_refused_whole(store: Store) -> None:
    code, shown = run("alerts", "show", "shop-1")
    assert code == 0 and json.loads(shown)["enabled"] is False  # off until configured

    code, out = run(
        "alerts", "set", "shop-1", "--enable", "--email", "ops@example.com", "--kind", "attention",
        "--kind", "digest", "--digest-at", "07:30", "--timezone", "Europe/Paris",
    )  # fmt: skip
    assert code == 0, out
    settings = store.alert_settings("shop-1")
    assert settings.enabled and settings.email_to == ["ops@example.com"]
    assert [k.value for k in settings.kinds] == ["attention", "digest"]
    assert (f"{settings.digest_at:%H:%M}", settings.timezone) == ("07:30", "Europe/Paris")

    code, out = run("alerts", "set", "shop-1", "--timezone", "Mars/Olympus")
    assert code == 1 and "unknown time zone" in out
    code, out = run("alerts", "set", "shop-1", "--digest-at", "25:00")
    assert code == 1 and "refused" in out
    assert store.alert_settings("shop-1") == settings  # nothing changed

    code, out = run("alerts", "set", "nope", "--enable")
    assert code == 1


def test_quality_prints_a_table_json_and_csv(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # Rich's width when not on a terminal
    now = utcnow()
    store.upsert_order(OrderRecord(shop_id="shop-1", order_id="o1", state="READY", stage="READY"))
    store.upsert_order(
        OrderRecord(
            shop_id="shop-1",
            order_id="o2",
            state="IN_TRANSIT",
            stage="IN_TRANSIT",
            ship_by=now - timedelta(hours=1),
        )
    )
    code, table = run("report", "quality", "--shop", "shop-1")
    assert code == 0, table
    rows = [line.split() for line in table.splitlines()]
    # Scanned (when the projection saw it) after its ship-by: late; shipped and scanned: valid tracking.
    assert ["late", "dispatch", "100.0%", "1", "of", "1", "due"] in rows
    assert ["valid", "tracking", "100.0%", "1", "of", "1", "shipped"] in rows
    assert ["cancelled", "0.0%", "0", "of", "2", "paid"] in rows
    assert ["data", "accuracy", "(changes)", "-", "0", "of", "0", "checked"] in rows

    code, out = run("report", "quality", "--json")
    [report] = json.loads(out)
    assert report["shop_id"] == "shop-1" and report["paid"] == 2
    assert report["late_dispatch"] == {"count": 1, "of": 1}

    code, out = run("report", "quality", "--csv", "--since", f"{now - timedelta(days=1):%Y-%m-%d}")
    [line] = list(csv.DictReader(io.StringIO(out)))
    assert line["shop_id"] == "shop-1" and line["paid"] == "2" and line["late_dispatch"] == "1.0"
    assert line["data_accuracy"] == ""  # no reconcile pass checked anything

    code, out = run("report", "quality", "--json", "--csv")
    assert code == 2
