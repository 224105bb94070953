"""The alert activities on a real store: what a sweep queues (the digest once a day), what the log channel
prints, and the quality gauges it sets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities import contracts
from activities.alerts import AlertActivities, publish_quality
from creatorflow import metrics
from creatorflow.alerts.models import AlertKind, AlertSettings, AlertsSettings
from creatorflow.crypto import Keyring
from creatorflow.inventory import InventoryPolicy
from creatorflow.metrics import MeterMetrics
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.tables import (
    FinanceOrderRow,
    FinanceStatementRow,
    LabelRow,
    OrderRecord,
    ReturnRecord,
    Shop,
    utcnow,
)
from tests.alert_receivers import free_port
from workers.client import sdk_runtime


@pytest.fixture
def store(tmp_path: Path) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    create_schema(engine)
    store = Store(engine, Keyring.parse(Keyring.generate_spec("t")))
    with Session(engine) as session:
        session.add(Shop(shop_id="s1", cipher="c"))
        session.add(Shop(shop_id="s2", cipher="c"))
        session.commit()
    return store


def a_day_of_business(store: Store) -> None:
    for order_id, stage in (("o1", "READY"), ("o2", "SHIPPED"), ("o3", "DELIVERED")):
        store.upsert_order(OrderRecord(shop_id="s1", order_id=order_id, state=stage, stage=stage))
    store.save_label(
        LabelRow(idempotency_key="k1", shop_id="s1", order_id="o2", provider="shippo", provider_label_id="l1",
                 cost=Decimal("7.15"))
    )  # fmt: skip
    for return_id, decided_by in (("r1", "policy"), ("r2", "policy"), ("r3", "operator")):
        store.upsert_return(
            ReturnRecord(return_id=return_id, shop_id="s1", order_id="o3", return_type="REFUND",
                         status="COMPLETE", decided_by=decided_by)
        )  # fmt: skip


async def test_the_digest_is_queued_once_per_local_day_with_the_days_figures(store: Store) -> None:
    a_day_of_business(store)
    store.set_alert_settings(
        "s1",
        AlertSettings(
            enabled=True, email_to=["o@example.com"], kinds=[AlertKind.DIGEST], digest_at=time(0, 0)
        ),
    )
    alerts = AlertActivities(store, AlertsSettings(), "default", InventoryPolicy())
    # Tomorrow just after midnight UTC: the digest covering today is due.
    tomorrow = datetime.combine(utcnow().date() + timedelta(days=1), time(0, 5), UTC)
    swept = await ActivityEnvironment().run(alerts.sweep, contracts.AlertsSweep(now=tomorrow))
    [batch] = swept.batches  # s2 has no settings: nothing derived for it
    day = f"{tomorrow:%Y-%m-%d}"
    assert batch == contracts.AlertBatch(shop_id="s1", alert_ids=[f"digest:s1:{day}"])
    [digest] = store.alerts_by_id(batch.alert_ids)
    assert digest.lines[0] == "orders: 3 paid, 2 shipped, 1 delivered, 0 late"
    assert digest.lines[1] == "labels: 1 bought, net spend 7.15 USD"
    assert digest.lines[2] == "returns: 2 handled automatically, 1 by an operator (67% automatic; target 80%)"
    assert digest.lines[3] == (
        "quality: late dispatch -, valid tracking 50.0% (1/2), cancelled 0.0% (0/3), data accuracy -"
    )
    assert digest.lines[-1].startswith("margin: no settlement in the day")  # finance never synced
    again = await ActivityEnvironment().run(
        alerts.sweep, contracts.AlertsSweep(now=tomorrow + timedelta(hours=1))
    )
    assert again.batches == [batch]  # still owed on e-mail (never sent), and still one digest
    assert store.enqueue_alerts([digest]) == 0


def statement(statement_id: str, day: datetime, status: str) -> FinanceStatementRow:
    return FinanceStatementRow(
        statement_id=statement_id,
        shop_id="s1",
        statement_time=int(day.timestamp()),
        currency="USD",
        revenue_amount=Decimal("48.00"),
        fee_amount=Decimal("-2.88"),
        settlement_amount=Decimal("45.12"),
        payment_status=status,
        payment_id=f"pay-{statement_id}" if status == "PAID" else "",
    )


async def test_a_payout_is_announced_once_and_the_digest_gives_the_days_margin(store: Store) -> None:
    midnight = datetime.combine(utcnow().date(), time(0, 0), UTC)
    store.upsert_finance(
        [
            statement("st-paid", midnight, "PAID"),
            statement("st-processing", midnight, "PROCESSING"),
            statement("st-old", midnight - timedelta(days=30), "PAID"),  # before alerts were turned on
        ],
        [],
        [
            FinanceOrderRow(
                shop_id="s1", order_id="o2", currency="USD", first_statement_time=int(midnight.timestamp()),
                order_total=Decimal("24.00"), revenue_amount=Decimal("24.00"),
                fee_and_tax_amount=Decimal("-1.44"), shipping_cost_amount=Decimal("0"),
                settlement_amount=Decimal("22.56"),
            )
        ],
    )  # fmt: skip
    a_day_of_business(store)
    store.set_alert_settings(
        "s1",
        AlertSettings(
            enabled=True,
            email_to=["o@example.com"],
            kinds=[AlertKind.PAYOUT, AlertKind.DIGEST],
            digest_at=time(0, 0),
        ),
    )
    alerts = AlertActivities(store, AlertsSettings(), "default", InventoryPolicy())
    now = midnight + timedelta(hours=23)
    [batch] = (await ActivityEnvironment().run(alerts.sweep, contracts.AlertsSweep(now=now))).batches

    day = f"{now:%Y-%m-%d}"
    assert batch.alert_ids == [f"digest:s1:{day}", "payout:s1:st-paid"]
    queued = {alert.kind: alert for alert in store.alerts_by_id(batch.alert_ids)}
    digest, payout = queued[AlertKind.DIGEST], queued[AlertKind.PAYOUT]
    assert payout.subject == f"payout: 45.12 USD, statement of {midnight:%Y-%m-%d}"
    assert payout.lines == ["payment pay-st-paid: revenue 48.00, fees -2.88"]
    assert digest.lines[-1].startswith("margin: ") and "on 1 orders settled" in digest.lines[-1]
    assert "payouts 45.12" in digest.lines[-1]


async def test_the_log_channel_prints_every_shops_alerts_when_asked(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.upsert_order(
        OrderRecord(
            shop_id="s2",
            order_id="o9",
            state="NEEDS_ATTENTION",
            stage="READY",
            attention_reason="NoEligibleRate",
        )
    )
    store.set_alert_settings("s2", AlertSettings(kinds=[AlertKind.ATTENTION]))  # not enabled: the log only
    alerts = AlertActivities(store, AlertsSettings(log_all=True), "default", InventoryPolicy())
    swept = await ActivityEnvironment().run(alerts.sweep, contracts.AlertsSweep(now=utcnow()))
    [batch] = [b for b in swept.batches if b.shop_id == "s2"]
    with caplog.at_level(logging.WARNING, logger="creatorflow.alerts"):
        sent = await ActivityEnvironment().run(alerts.send, batch)
    assert sent.sent == {"log": 1}
    assert "order o9 needs attention: NoEligibleRate" in caplog.text
    assert "/namespaces/default/workflows/order:s2:o9" in caplog.text
    assert (await ActivityEnvironment().run(alerts.send, batch)).sent == {}


class Recorded:
    def __init__(self) -> None:
        self.gauges: dict[str, tuple[float, dict[str, str]]] = {}

    def add(self, counter: metrics.Counter, value: int = 1, **attributes: str) -> None:
        raise AssertionError("no counter here")

    def set(self, gauge: metrics.Gauge, value: float, **attributes: str) -> None:
        self.gauges[gauge.name] = (value, attributes)


def test_quality_gauges_are_set_per_shop_for_the_figures_that_have_a_base(store: Store) -> None:
    a_day_of_business(store)
    recorded = Recorded()
    publish_quality(store, "s1", utcnow() + timedelta(minutes=1), recorded)
    assert recorded.gauges[metrics.VALID_TRACKING_RATE.name] == (0.5, {"shop_id": "s1"})
    assert recorded.gauges[metrics.CANCELLATION_RATE.name] == (0.0, {"shop_id": "s1"})
    assert metrics.LATE_DISPATCH_RATE.name not in recorded.gauges  # no ship-by fell due


def test_the_gauges_are_served_on_the_prometheus_endpoint(store: Store) -> None:
    """On the SDK runtime's endpoint, as `creatorflow worker` serves it."""
    a_day_of_business(store)
    address = f"127.0.0.1:{free_port()}"
    runtime = sdk_runtime(address)  # kept: the endpoint lives as long as the runtime
    meter = MeterMetrics(runtime.metric_meter)
    publish_quality(store, "s1", utcnow() + timedelta(minutes=1), meter)
    scraped = httpx.get(f"http://{address}/metrics").text.splitlines()
    labels = '{service_name="temporal-core-sdk",shop_id="s1"}'
    assert f"creatorflow_valid_tracking_rate{labels} 0.5" in scraped
    assert f"creatorflow_cancellation_rate{labels} 0" in scraped
