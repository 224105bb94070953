"""`creatorflow inventory show|set` and `creatorflow report returns` on a store of their own."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creatorflow.config import get_settings
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.tables import ReturnRecord
from creatorflow.tiktok.models import Product, ProductStatus, Sku, WarehouseStock
from starter import runtime
from starter.cli import app


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CREATORFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREATORFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("CREATORFLOW_ENCRYPTION_KEYS", Keyring.generate_spec("cli"))
    monkeypatch.setenv("CREATORFLOW_TEMPORAL__ADDRESS", "127.0.0.1:1")  # nothing listens there
    get_settings.cache_clear()
    store = runtime.store(get_settings())
    stock = [WarehouseStock(warehouse_id="wh", quantity=8)]
    store.sync_catalog(
        "shop-1",
        [Product(id="p1", status="ACTIVATE", skus=[Sku(id="s1", seller_sku="LIP", inventory=stock)])],
    )
    yield store
    get_settings.cache_clear()


def test_an_operator_sees_low_stock_and_records_a_count(store: Store) -> None:
    shown = CliRunner().invoke(app, ["inventory", "show", "--low"])
    assert shown.exit_code == 0, shown.output
    [line] = [line for line in shown.output.splitlines() if "LIP" in line]
    assert line.split()[3:] == ["8", "0", "8", "3", "8", "LOW"]  # on hand, reserved, avail, listed, tiktok

    counted = CliRunner().invoke(app, ["inventory", "set", "shop-1", "LIP", "40"])
    assert counted.exit_code == 0, counted.output
    assert "on hand 40" in counted.output and "the next push sends it" in counted.output  # Temporal is down
    assert [level.on_hand for level in store.stock_levels("shop-1")] == [40]

    unknown = CliRunner().invoke(app, ["inventory", "set", "shop-1", "NOPE", "4"])
    assert unknown.exit_code == 1 and "no SKU matches 'NOPE'" in unknown.output


def test_a_product_taken_off_sale_for_want_of_stock_is_marked(store: Store) -> None:
    store.flag_stock_deactivation("shop-1", ["p1"])
    store.set_product_status("shop-1", ["p1"], ProductStatus.SELLER_DEACTIVATED)
    shown = CliRunner().invoke(app, ["inventory", "show"])
    [line] = [line for line in shown.output.splitlines() if "LIP" in line]
    assert line.split()[-2:] == ["LOW", "OFF-SALE"]


def test_the_returns_report_lists_reasons(store: Store) -> None:
    store.upsert_return(
        ReturnRecord(
            return_id="r1",
            shop_id="shop-1",
            order_id="o1",
            return_type="REFUND",
            status="RETURN_OR_REFUND_REQUEST_COMPLETE",
            reason="Arrived late",
            amount=Decimal("24.00"),
            requested_at=1_000_000,
            refunded_at=1_000_000 + 86400,
            decided_by="policy",
        )
    )
    report = CliRunner().invoke(app, ["report", "returns"])
    assert report.exit_code == 0, report.output
    assert "1 requests, 1 refunded (24.00), avg 1.00 days to refund" in report.output
    assert "Arrived late" in report.output
