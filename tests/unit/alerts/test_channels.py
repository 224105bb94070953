"""The alert channels against real receivers: an SMTP server process and a signature-checking endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from creatorflow.alerts.channels import ChannelError, EmailChannel, WebhookChannel, slack_payload
from creatorflow.alerts.models import Alert, AlertKind, AlertsSettings
from tests.alert_receivers import free_port, smtp_server, webhook_receiver

ALERTS = [
    Alert(
        alert_id="attention:s1:o1:AddressInvalid:1",
        shop_id="s1",
        kind=AlertKind.ATTENTION,
        subject="order o1 needs attention: AddressInvalid",
        lines=["since 2026-12-04 10:00 UTC"],
        link="http://localhost:8233/namespaces/default/workflows/order:s1:o1",
    ),
    Alert(
        alert_id="shipby:s1:o2:4h", shop_id="s1", kind=AlertKind.SHIP_BY, subject="order o2 ship-by in 3.0 h"
    ),
]
SECRET = "whsec-test"


def smtp_settings(port: int) -> AlertsSettings:
    return AlertsSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, sender="cf@example.com")


async def test_a_batch_is_one_email_to_every_recipient(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as server:
        await EmailChannel(smtp_settings(server.port), ["ops@example.com", "owner@example.com"]).send(
            "s1", ALERTS
        )
        [message] = server.messages()
    assert message["Subject"] == "[CreatorFlow] 2 alerts for TikTok shop s1"
    assert message["To"] == "ops@example.com, owner@example.com"
    assert message["From"] == "cf@example.com"
    body = message.get_payload(decode=True).decode()
    assert "order o1 needs attention: AddressInvalid" in body
    assert "workflows/order:s1:o1" in body
    assert "order o2 ship-by in 3.0 h" in body


async def test_email_without_a_server_configured_is_refused_and_a_server_down_is_retryable() -> None:
    with pytest.raises(ChannelError, match="no SMTP server configured") as refused:
        EmailChannel(AlertsSettings(), ["ops@example.com"])
    assert not refused.value.retryable
    with pytest.raises(ChannelError) as down:
        await EmailChannel(smtp_settings(free_port()), ["ops@example.com"]).send("s1", ALERTS)
    assert down.value.retryable


async def test_the_webhook_posts_a_signed_slack_compatible_body() -> None:
    settings = AlertsSettings(webhook_secret=SecretStr(SECRET))
    with webhook_receiver(SECRET) as receiver:
        await WebhookChannel(settings, receiver.url).send("s1", ALERTS[:1])
    [body] = receiver.accepted
    assert body["text"] == "order o1 needs attention: AddressInvalid"
    header, section = body["blocks"]
    assert header["type"] == "header"
    assert section["text"]["type"] == "mrkdwn"
    assert (
        "<http://localhost:8233/namespaces/default/workflows/order:s1:o1|open the order>"
        in section["text"]["text"]
    )


async def test_a_webhook_signed_with_another_secret_is_refused_for_good_and_a_5xx_is_retryable() -> None:
    channel_settings = AlertsSettings(webhook_secret=SecretStr(SECRET))
    with (
        webhook_receiver("another-secret") as receiver,
        pytest.raises(ChannelError, match="HTTP 401") as refused,
    ):
        await WebhookChannel(channel_settings, receiver.url).send("s1", ALERTS)
    assert not refused.value.retryable and receiver.accepted == []
    with (
        webhook_receiver(SECRET, fail_first=1) as receiver,
        pytest.raises(ChannelError, match="HTTP 500") as down,
    ):
        await WebhookChannel(channel_settings, receiver.url).send("s1", ALERTS)
    assert down.value.retryable


def test_a_webhook_without_a_signing_secret_is_refused() -> None:
    with pytest.raises(ChannelError, match="no signing secret") as refused:
        WebhookChannel(AlertsSettings(), "http://127.0.0.1:9/hook")
    assert not refused.value.retryable


def test_a_large_batch_stays_within_slacks_fifty_blocks() -> None:
    many = [ALERTS[1].model_copy(update={"alert_id": f"a{n}", "subject": f"alert {n}"}) for n in range(60)]
    blocks = slack_payload("s1", many)["blocks"]
    assert isinstance(blocks, list) and len(blocks) == 50
    assert "alert 59" in blocks[-1]["text"]["text"]
