"""`creatorflow rules …` on a SQLite file of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creatorflow.config import get_settings
from creatorflow.domain import Provider, Rate
from starter import runtime
from starter.cli import app
from starter.rules import rules_app


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CREATORFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREATORFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(rules_app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def quotes(path: Path) -> Path:
    def rate(carrier: str, service: str, amount: str, days: int) -> Rate:
        return Rate(
            provider=Provider.SHIPPO,
            rate_id=service,
            shipment_id="shp",
            carrier=carrier,
            service=service,
            amount=Decimal(amount),
            currency="USD",
            delivery_days=days,
        )

    rates = [rate("UPS", "ups_ground", "5.95", 4), rate("USPS", "usps_ground_advantage", "6.10", 5)]
    path.write_text(json.dumps([r.model_dump(mode="json") for r in rates]))
    return path


def test_a_seller_adds_lists_tests_and_removes_rules(tmp_path: Path) -> None:
    run("add", "shop-1", "--name", "no UPS under 1 lb", "--weight-under-oz", "16", "--deny-carrier", "UPS")
    run("add", "shop-1", "--json", '{"name": "cap", "price_cap": "20"}', "--at", "0")
    run("default-service", "shop-1", "usps_ground_advantage")
    listed = run("list", "shop-1").splitlines()
    assert listed[0] == "default service: usps_ground_advantage"
    assert listed[1].split() == ["0", "cap", '{"price_cap":', '"20"}']
    assert listed[2].startswith("  1  no UPS under 1 lb  ") and '"deny_carriers": ["UPS"]' in listed[2]

    rates = str(quotes(tmp_path / "rates.json"))
    decided = run("test", "shop-1", "--rates", rates, "--weight-oz", "12", "--value", "30", "--state", "CA")
    assert decided.strip() == (
        "chose USPS usps_ground_advantage $6.10 by rule 'no UPS under 1 lb'; "
        "UPS ups_ground $5.95 carrier UPS is denied by rule 'no UPS under 1 lb'"
    )
    heavy = run("test", "shop-1", "--rates", rates, "--weight-oz", "40", "--value", "30")
    assert heavy.startswith("chose UPS ups_ground $5.95;")

    run("move", "shop-1", "cap", "1")
    run("remove", "shop-1", "no UPS under 1 lb")
    assert [line.split()[1] for line in run("list", "shop-1").splitlines()[1:]] == ["cap"]
    run("add", "shop-1", "--name", "tiny cap", "--price-cap", "1")
    nothing = run("test", "shop-1", "--rates", rates, "--weight-oz", "12", "--value", "30", code=2)
    assert nothing.startswith("none of 2 quoted rates passes the shop's rules")


def test_a_bad_rule_is_a_clear_error_and_nothing_is_stored() -> None:
    inverted = run(
        "add", "shop-1", "--name", "x", "--weight-at-least-oz", "20", "--weight-under-oz", "16", code=1
    )
    assert "weight 'at least' 20 is not under the 'under' 16" in inverted
    unknown = run("add", "shop-1", "--json", '{"name": "x", "deny_carrier": ["UPS"]}', code=1)
    assert "invalid: deny_carrier: Extra inputs are not permitted" in unknown
    broken = run("add", "shop-1", "--json", "{nope", code=1)
    assert "refused: Expecting property name" in broken
    run("add", "shop-1", "--name", "cap", "--price-cap", "9")
    twice = run("add", "shop-1", "--name", "CAP", "--price-cap", "9", code=1)
    assert "already has a rule named 'CAP'" in twice
    assert "no rule named 'nope'" in run("remove", "shop-1", "nope", code=1)
    assert len(run("list", "shop-1").splitlines()) == 2


def test_boxes_and_package_overrides() -> None:
    run("boxes", "add", "shop-1", "big", "40", "30", "20", "--length-unit", "cm", "--empty-weight", "0.3",
        "--max-weight", "20", "--weight-unit", "kg")  # fmt: skip
    run("boxes", "add", "shop-1", "small", "8", "6", "4", "--empty-weight", "3", "--max-weight", "320")
    assert [line.split()[0] for line in run("boxes", "list", "shop-1").splitlines()] == ["small", "big"]
    full = run(
        "boxes", "add", "shop-1", "x", "8", "6", "4", "--empty-weight", "3", "--max-weight", "3", code=1
    )
    assert "max weight must be more than the empty box weighs" in full
    run("boxes", "remove", "shop-1", "big")
    assert run("boxes", "list", "shop-1").split()[0] == "small"

    run(
        "packages",
        "set",
        "shop-1",
        "sku-1",
        "0.45",
        "38",
        "30",
        "3",
        "--weight-unit",
        "kg",
        "--length-unit",
        "cm",
    )
    assert run("packages", "show", "shop-1").split() == [
        "sku-1",
        "0.45",
        "kg",
        "38",
        "x",
        "30",
        "x",
        "3",
        "cm",
    ]
    assert "greater than 0" in run("packages", "set", "shop-1", "sku-2", "0", "1", "1", "1", code=1)
    run("packages", "remove", "shop-1", "sku-1")
    assert run("packages", "show", "shop-1") == ""


def test_labels_pdf_writes_the_file_kept_for_a_tiktok_label(tmp_path: Path) -> None:
    store = runtime.store(get_settings())
    pdf = b"%PDF-1.4 label"
    store.keep_label_document(
        label_id="pkg-1", shop_id="shop-1", order_id="o-1", content_type="application/pdf", content=pdf
    )
    out = tmp_path / "label.pdf"
    result = CliRunner().invoke(app, ["labels", "pdf", "pkg-1", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == pdf
    missing = CliRunner().invoke(app, ["labels", "pdf", "pkg-2", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 1 and "no file kept for label pkg-2" in missing.output
