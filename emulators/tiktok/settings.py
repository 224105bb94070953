"""The knobs of the emulated world and of its webhook delivery, shared by the config, the admin API and tests.

Where the reference marks a behaviour UNVERIFIED, the behaviour is a setting here, with the documented
reading as its default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emulators.tiktok.webhook_addresses import refusal

DAY = 24 * 3600


class WorldSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold_window_seconds: int = Field(
        default=3600, ge=0, description="ON_HOLD -> AWAITING_SHIPMENT after this"
    )
    rts_sla_seconds: int = Field(default=2 * DAY, gt=0, description="rts_sla_time = paid_time + this")
    tts_sla_seconds: int = Field(default=4 * DAY, gt=0, description="tts_sla_time = paid_time + this")
    auto_complete_seconds: int = Field(default=7 * DAY, gt=0, description="DELIVERED -> COMPLETED after this")
    auth_code_ttl_seconds: int = Field(default=1800, gt=0)
    access_token_ttl_seconds: int = Field(default=7 * DAY, gt=0)
    refresh_token_ttl_seconds: int = Field(default=365 * DAY, gt=0)
    rotate_refresh_token: bool = Field(
        default=False, description="refresh returns a new refresh_token (UNVERIFIED)"
    )
    cancelled_webhook_status: Literal["CANCEL", "CANCELLED"] = Field(
        default="CANCEL", description="how type-1 webhooks spell a cancelled order (the doc page says CANCEL)"
    )


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_url: str | None = Field(
        default=None, description="the app's Partner Center URL, when no shop address"
    )
    drop_rate: float = Field(default=0.0, ge=0, le=1, description="share of pushes silently never sent")
    duplicate_rate: float = Field(
        default=0.0, ge=0, le=1, description="share sent twice, same notification id"
    )
    reorder: bool = Field(default=False, description="deliver each shop's pending pushes in shuffled order")
    reorder_max_delay_seconds: float = Field(
        default=0.0, ge=0, description="with reorder: random extra delay"
    )
    paused: bool = Field(default=False, description="queue pushes without sending until resumed")
    retry_delays_seconds: list[float] = Field(default_factory=lambda: [120.0, 1800.0, 10800.0, 43200.0])
    retry_scale: float = Field(default=1.0, gt=0, description="multiplies every retry delay (0.001 in tests)")
    timeout_seconds: float = Field(default=3.0, gt=0, description="TikTok waits 3 s for the 200")
    allow_loopback_addresses: bool = Field(
        default=False,
        description="also take http://127.0.0.1:PORT-style webhook addresses, which TikTok refuses (§6):"
        " for the dev stack and tests only",
    )

    @model_validator(mode="after")
    def _default_url_taken_by_tiktok(self) -> WebhookSettings:
        problem = self.default_url and refusal(self.default_url, allow_loopback=self.allow_loopback_addresses)
        if problem:
            raise ValueError(problem)
        return self


class GatewaySettings(BaseModel):
    """How TikTok's API gateway treats callers: the per-API rate limit and how long a timeout fault hangs."""

    model_config = ConfigDict(extra="forbid")

    qps: float = Field(default=50.0, gt=0, description="per (app, shop, API); TikTok's documented default")
    timeout_hang_seconds: float = Field(
        default=30.0, ge=0, description="an injected timeout answers after this"
    )


class PartnerApp(BaseModel):
    """The Partner Center app the emulator serves: its credentials and where authorization redirects to."""

    app_key: str = Field(min_length=1)
    app_secret: str = Field(min_length=1)
    service_id: str = Field(min_length=1)
    redirect_url: str = Field(min_length=1)
