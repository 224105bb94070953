"""Where alerts go: e-mail over SMTP, a signed Slack-compatible JSON webhook, the log. Each sends one
batch (one shop's unsent alerts) as one message, or raises `ChannelError`."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Protocol

import httpx

from creatorflow.alerts.models import Alert, AlertSettings, AlertsSettings, ChannelName

log = logging.getLogger("creatorflow.alerts")

SIGNATURE_HEADER = "X-CreatorFlow-Signature"
TIMESTAMP_HEADER = "X-CreatorFlow-Timestamp"


class ChannelError(Exception):
    """A batch not sent; `retryable` when trying again later may work (the server was down)."""

    def __init__(self, channel: ChannelName, message: str, *, retryable: bool) -> None:
        super().__init__(f"{channel} channel: {message}")
        self.retryable = retryable


class Channel(Protocol):
    name: ChannelName

    async def send(self, shop_id: str, alerts: Sequence[Alert]) -> None: ...


def subject_of(shop_id: str, alerts: Sequence[Alert]) -> str:
    return alerts[0].subject if len(alerts) == 1 else f"{len(alerts)} alerts for TikTok shop {shop_id}"


def text_of(alert: Alert) -> str:
    return "\n".join(
        [alert.subject, *(f"  {line}" for line in alert.lines), *([f"  {alert.link}"] if alert.link else [])]
    )


class EmailChannel:
    """smtplib (standard library) in a thread: one message per batch, to the shop's recipients."""

    name = ChannelName.EMAIL

    def __init__(self, settings: AlertsSettings, recipients: Sequence[str]) -> None:
        if not settings.smtp_host:
            raise ChannelError(
                self.name, "no SMTP server configured (CREATORFLOW_ALERTS__SMTP_HOST)", retryable=False
            )
        self._host = settings.smtp_host
        self._settings = settings
        self._recipients = list(recipients)

    async def send(self, shop_id: str, alerts: Sequence[Alert]) -> None:
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = ", ".join(self._recipients)
        message["Subject"] = f"[CreatorFlow] {subject_of(shop_id, alerts)}"
        message.set_content("\n\n".join(text_of(alert) for alert in alerts) + "\n")
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        s = self._settings
        try:
            with smtplib.SMTP(self._host, s.smtp_port, timeout=s.timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username and s.smtp_password:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPAuthenticationError,
        ) as error:
            raise ChannelError(self.name, f"refused: {error}", retryable=False) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelError(self.name, f"{type(error).__name__}: {error}", retryable=True) from error


class WebhookChannel:
    """A Slack-compatible body (`text` and `blocks`) POSTed as JSON, signed: the header is
    `v1=` + hex HMAC-SHA256(secret, f"{timestamp}.{body}") with the Unix timestamp in its own header."""

    name = ChannelName.WEBHOOK

    def __init__(self, settings: AlertsSettings, url: str) -> None:
        if settings.webhook_secret is None:
            raise ChannelError(
                self.name,
                "no signing secret configured (CREATORFLOW_ALERTS__WEBHOOK_SECRET)",
                retryable=False,
            )
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self._url = url
        self._timeout = settings.timeout_seconds

    async def send(self, shop_id: str, alerts: Sequence[Alert]) -> None:
        body = json.dumps(slack_payload(shop_id, alerts), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise ChannelError(self.name, f"{type(error).__name__}: {error}", retryable=True) from error
        if response.is_success:
            return
        retryable = response.status_code >= 500 or response.status_code == 429
        raise ChannelError(
            self.name, f"HTTP {response.status_code}: {response.text[:200]}", retryable=retryable
        )


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# Slack takes at most 50 blocks per message: the header, this many alerts, and a line for the rest.
SLACK_ALERT_BLOCKS = 48


def slack_payload(shop_id: str, alerts: Sequence[Alert]) -> dict[str, object]:
    """`text` (the notification) and `blocks`: a header, one section per alert (the order's link in it)."""
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject_of(shop_id, alerts)[:150]}}
    ]
    for alert in alerts[:SLACK_ALERT_BLOCKS]:
        text = "\n".join([f"*{alert.subject}*", *alert.lines])
        if alert.link:
            text += f"\n<{alert.link}|open the order>"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    if len(alerts) > SLACK_ALERT_BLOCKS:
        rest = ", ".join(alert.subject for alert in alerts[SLACK_ALERT_BLOCKS:])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"and also: {rest}"[:3000]}})
    return {"text": subject_of(shop_id, alerts), "blocks": blocks}


class LogChannel:
    """The process log (`creatorflow dev` shows every shop's alerts there)."""

    name = ChannelName.LOG

    async def send(self, shop_id: str, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            log.warning("alert %s\n%s", alert.alert_id, text_of(alert))


def channel_for(name: ChannelName, settings: AlertsSettings, shop: AlertSettings) -> Channel:
    if name is ChannelName.EMAIL:
        return EmailChannel(settings, shop.email_to)
    if name is ChannelName.WEBHOOK:
        if not shop.webhook_url:
            raise ChannelError(name, "the shop has no webhook URL", retryable=False)
        return WebhookChannel(settings, shop.webhook_url)
    return LogChannel()
