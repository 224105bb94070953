"""What an alert is, what a seller sets per shop, and what operators set per deployment."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class AlertKind(StrEnum):
    ATTENTION = "attention"  # an order entered NEEDS_ATTENTION
    SHIP_BY = "ship_by"  # an order not yet scanned by the carrier 24, 12 or 4 hours before its ship-by
    AUTHORIZATION = "authorization"  # the shop's authorization expires within 7 days, or failed
    LOW_STOCK = "low_stock"  # a SKU's available stock fell under the shop's threshold
    PAYOUT = "payout"  # TikTok paid a statement's settlement
    DIGEST = "digest"  # the day's summary, at the seller's local time


class ChannelName(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    LOG = "log"


class Alert(BaseModel):
    """One alert. `alert_id` names its cause (`shipby:{shop}:{order}:12h`), so deriving it again from the
    same facts gives the same id, and the outbox keeps it once."""

    model_config = ConfigDict(frozen=True)

    alert_id: str
    shop_id: str
    kind: AlertKind
    subject: str
    lines: list[str] = Field(default_factory=list)
    link: str | None = None  # the order in the Temporal UI


class AlertSettings(BaseModel):
    """A shop's alert settings (`creatorflow alerts set`). Nothing is sent until `enabled` and a channel."""

    enabled: bool = False
    email_to: list[str] = Field(default_factory=list)
    webhook_url: str | None = None
    kinds: list[AlertKind] = Field(default_factory=lambda: list(AlertKind))
    # At or under this many available units (on hand minus reserved); None: the deployment's
    # CREATORFLOW_INVENTORY__LOW_STOCK_THRESHOLD, which also raises the catalog's LowStock attribute.
    low_stock_at: int | None = Field(default=None, ge=0)
    digest_at: time = time(8, 0)  # seller's local time
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Paris)") from error
        return value

    def channels(self, log_all: bool) -> list[ChannelName]:
        """Where this shop's alerts go; `log_all` (the dev stack) adds the log for every shop."""
        chosen = []
        if self.enabled and self.email_to:
            chosen.append(ChannelName.EMAIL)
        if self.enabled and self.webhook_url:
            chosen.append(ChannelName.WEBHOOK)
        if log_all:
            chosen.append(ChannelName.LOG)
        return chosen

    def local_now(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))


class AlertsSettings(BaseModel):
    """Deployment-wide (`CREATORFLOW_ALERTS__*`): the SMTP relay, the webhook signing secret, the sweep."""

    every: timedelta = Field(default=timedelta(minutes=5), gt=timedelta(0))
    smtp_host: str | None = None  # no e-mail is sent without it
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    sender: str = "creatorflow@localhost"
    # HMAC-SHA256 key of the webhook's X-CreatorFlow-Signature header; no webhook is sent without it.
    webhook_secret: SecretStr | None = None
    timeout_seconds: float = Field(default=10.0, gt=0)
    # Where an alert's order link points: the Temporal UI.
    ui_base_url: str = "http://localhost:8233"
    # Every shop's alerts also go to the log, settings or not (`creatorflow dev` turns it on).
    log_all: bool = False
