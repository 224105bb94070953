"""`creatorflow inventory show|set` and `creatorflow report returns|shipping` on a store of their own."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creatorflow.config import get_settings
from creatorflow.crypto import Keyring
from creatorflow.store import Store
from creatorflow.store.tables import LabelRow, LabelStatus, ReturnRecord
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
    # warehouse, on hand, reserved, avail, listed, tiktok
    assert line.split()[3:] == ["wh", "8", "0", "8", "3", "8", "LOW"]

    counted = CliRunner().invoke(app, ["inventory", "set", "shop-1", "LIP", "40"])
    assert counted.exit_code == 0, counted.output
    assert (
        "in warehouse wh: on hand 40" in counted.output and "the next push sends it" in counted.output
    )  # Temporal is down
    assert [level.on_hand for level in store.stock_levels("shop-1")] == [40]

    unknown = CliRunner().invoke(app, ["inventory", "set", "shop-1", "NOPE", "4"])
    assert unknown.exit_code == 1 and "no stock rows match 'NOPE'" in unknown.output


def test_a_count_names_the_warehouse_when_the_sku_is_stocked_in_several(store: Store) -> None:
    stock = [WarehouseStock(warehouse_id="wh", quantity=8), WarehouseStock(warehouse_id="wh-2", quantity=3)]
    store.sync_catalog(
        "shop-1",
        [Product(id="p1", status="ACTIVATE", skus=[Sku(id="s1", seller_sku="LIP", inventory=stock)])],
    )
    shown = CliRunner().invoke(app, ["inventory", "show"])
    assert [line.split()[3:5] for line in shown.output.splitlines() if "LIP" in line] == [
        ["wh", "8"],
        ["wh-2", "3"],
    ]
    ambiguous = CliRunner().invoke(app, ["inventory", "set", "shop-1", "LIP", "40"])
    assert ambiguous.exit_code == 1 and "--warehouse" in ambiguous.output
    counted = CliRunner().invoke(app, ["inventory", "set", "shop-1", "LIP", "40", "--warehouse", "wh-2"])
    assert counted.exit_code == 0, counted.output
    assert [(level.warehouse_id, level.on_hand) for level in store.stock_levels("shop-1")] == [
        ("wh", 8),
        ("wh-2", 40),
    ]


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


def bought(
    key: str, carrier: str, service: str, cost: str, baseline: str | None, **fields: object
) -> LabelRow:
    return LabelRow.model_validate(
        {
            "idempotency_key": key,
            "shop_id": "shop-1",
            "order_id": key.split(":")[2],
            "provider": "shippo",
            "provider_label_id": f"lbl-{key}",
            "carrier": carrier,
            "service": service,
            "cost": Decimal(cost),
            "baseline_cost": None if baseline is None else Decimal(baseline),
            **fields,
        }
    )


@pytest.fixture
def labels(store: Store) -> Store:
    for label in (
        bought("order:shop-1:o1:label:0", "USPS", "Priority", "8.00", "10.00"),
        bought("order:shop-1:o2:label:0", "USPS", "Priority", "6.00", None),
        bought("order:shop-1:o3:label:0", "UPS", "Ground", "9.00", "9.00", status=LabelStatus.REFUNDED),
        bought("order:shop-1:o4:label:0", "RoyalMail", "Tracked48", "3.20", "4.00", currency="GBP"),
    ):
        store.save_label(label)
    return store


def test_the_shipping_report_prints_a_table_per_shop_and_currency(labels: Store) -> None:
    shown = CliRunner().invoke(app, ["report", "shipping", "--shop", "shop-1"], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert "shop-1 · outbound labels · GBP" in lines[0]
    [priority] = [line for line in lines if "Priority" in line]
    # labels, net spend, average, compared, saved, %
    assert priority.split()[-6:] == ["2", "14.00", "7.00", "1", "2.00", "20.0"]
    [usd] = [line.split() for line in lines if line.split()[:1] == ["all"] and "7.00" in line]
    assert usd == ["all", "3", "14.00", "7.00", "1", "2.00", "20.0"]
    assert "compared: 1, cost 8.00; the seller's default service would have cost 10.00" in shown.output
    assert "refunded: 1 (9.00 back), not in the net spend" in shown.output
    assert "no baseline: 1 (bought before" in shown.output
    assert "carrier adjustments are not reported" in shown.output

    later = CliRunner().invoke(app, ["report", "shipping", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.output.startswith("no labels")


def test_the_shipping_report_as_json_and_csv(labels: Store) -> None:
    as_json = CliRunner().invoke(app, ["report", "shipping", "--json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert [
        (g["currency"], g["net_spend"], g["savings"], g["without_baseline"]) for g in report["groups"]
    ] == [
        ("GBP", "3.20", "0.80", 0),
        ("USD", "14.00", "2.00", 1),
    ]

    as_csv = CliRunner().invoke(app, ["report", "shipping", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(r["currency"], r["carrier"], r["service"], r["bought"], r["net_spend"]) for r in rows] == [
        ("GBP", "RoyalMail", "Tracked48", "1", "3.20"),
        ("USD", "USPS", "Priority", "2", "14.00"),
        ("USD", "UPS", "Ground", "1", "0.00"),
    ]
    assert rows[1]["savings_percent"] == "20.0" and rows[2]["average_cost"] == ""

    both = CliRunner().invoke(app, ["report", "shipping", "--json", "--csv"])
    assert both.exit_code == 2 and "not both" in both.output
