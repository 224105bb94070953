"""AlertsWorkflow on the real dev server with the real alert activities, a real SMTP server process and a
real webhook receiver: a channel failing after another took the batch is retried alone, and a second pass
sends nothing again."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from activities.alerts import AlertActivities
from creatorflow.alerts.models import AlertKind, AlertSettings, AlertsSettings
from creatorflow.crypto import Keyring
from creatorflow.inventory import InventoryPolicy
from creatorflow.names import ORDERS_TASK_QUEUE
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.tables import OrderRecord, Shop, utcnow
from tests.alert_receivers import smtp_server, webhook_receiver
from tests.replay_record import save_history
from workflows.alerts import AlertsWorkflow

SECRET = "whsec-wf"


def shop_with_a_parked_order(tmp_path: Path, webhook_url: str) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    create_schema(engine)
    store = Store(engine, Keyring.parse(Keyring.generate_spec("wf")))
    with Session(engine) as session:
        session.add(Shop(shop_id="s1", name="Shop One", cipher="c"))
        session.commit()
    store.upsert_order(
        OrderRecord(
            shop_id="s1",
            order_id="o1",
            state="NEEDS_ATTENTION",
            stage="READY",
            attention_reason="AddressInvalid",
            attention_since=utcnow() - timedelta(minutes=1),
        )
    )
    store.set_alert_settings(
        "s1",
        AlertSettings(
            enabled=True, email_to=["ops@example.com"], webhook_url=webhook_url, kinds=[AlertKind.ATTENTION]
        ),
    )
    return store


async def test_a_failing_channel_is_retried_alone_and_nothing_is_sent_twice(
    temporal_client: Client, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with smtp_server(tmp_path) as smtp, webhook_receiver(SECRET, fail_first=1) as receiver:
        store = shop_with_a_parked_order(tmp_path, receiver.url)
        settings = AlertsSettings(
            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, webhook_secret=SecretStr(SECRET)
        )
        alerts = AlertActivities(store, settings, "default", InventoryPolicy())
        worker = Worker(
            temporal_client,
            task_queue=ORDERS_TASK_QUEUE,
            workflows=[AlertsWorkflow],
            activities=[alerts.sweep, alerts.send],
        )
        async with worker:
            first = await temporal_client.start_workflow(
                AlertsWorkflow.run, id=f"alerts-test-{uuid.uuid4()}", task_queue=ORDERS_TASK_QUEUE
            )
            sent = await first.result()
            # The first attempt e-mailed the batch, then the webhook answered 500; the retry owed only
            # the webhook.
            assert sent.sent == {"webhook": 1}
            assert receiver.refused == ["failed on purpose"]
            assert len(receiver.accepted) == 1
            assert "order o1 needs attention: AddressInvalid" in receiver.accepted[0]["text"]
            assert len(smtp.messages()) == 1
            history = await first.fetch_history()
            attempts = [
                event.activity_task_started_event_attributes.attempt
                for event in history.events
                if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
            ]
            assert attempts == [1, 2]  # the sweep once, the send retried once

            again = await temporal_client.execute_workflow(
                AlertsWorkflow.run, id=f"alerts-test-{uuid.uuid4()}", task_queue=ORDERS_TASK_QUEUE
            )
        assert again.sent == {}
        assert len(smtp.messages()) == 1 and len(receiver.accepted) == 1
    record_into = request.config.getoption("--record-histories")
    if record_into:
        save_history(
            history, Path(record_into) / "AlertsWorkflow-test-a-failing-channel-is-retried-alone.json"
        )
