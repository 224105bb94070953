"""A connected shop's credentials lifecycle as plain data: what `ShopWorkflow` keeps, the messages that
reach it (OAuth connect, TikTok's authorization webhooks) and its timing policy. No Temporal here.

Tokens themselves never appear in these models: they live encrypted in the store, and only their expiry
times (which are not secret) travel through workflow history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, computed_field

from creatorflow.domain import Message
from creatorflow.journal import Journal

# A deauthorization pushed this long before the latest OAuth connection predates it (a retried, late
# delivery: TikTok's first retry comes 2 minutes after a failed push) and no longer applies. Closer than
# that, clocks and whole-second timestamps cannot tell the order, and the deauthorization wins.
DEAUTHORIZATION_CLOCK_TOLERANCE = timedelta(minutes=1)


class ShopLifecycle(StrEnum):
    ACTIVE = "ACTIVE"
    REFRESH_FAILING = "REFRESH_FAILING"  # refreshes fail and are being retried; orders still flow
    NEEDS_REAUTHORIZATION = "NEEDS_REAUTHORIZATION"  # TikTok rejected the refresh token: seller must act
    DEAUTHORIZED = "DEAUTHORIZED"  # the seller revoked the app: no intake, no refreshing


# The longest hold a seller may put on paid orders before anything is reserved or bought for them.
MAX_PAYMENT_HOLD = timedelta(hours=6)


class PaymentHold(Message):
    """A shop's own wait after payment (`creatorflow shops hold`): no stock is reserved and no label bought
    until `hold` has passed since the order was paid, so a buyer who cancels early costs nothing."""

    hold: timedelta = Field(default=timedelta(0), ge=timedelta(0), le=MAX_PAYMENT_HOLD)


# AttentionReason values a shop workflow publishes (search attribute shared with orders).
TOKEN_REFRESH_FAILING = "TokenRefreshFailing"
REAUTHORIZATION_REQUIRED = "ReauthorizationRequired"
SHOP_DEAUTHORIZED = "ShopDeauthorized"
AUTHORIZATION_EXPIRING = "AuthorizationExpiring"


class ShopPolicy(BaseModel):
    """Timing knobs of token refreshing; production defaults, shortened by tests."""

    model_config = ConfigDict(frozen=True)

    # Refresh this long before the access token (7 days by default on TikTok) expires.
    refresh_margin: timedelta = timedelta(hours=24)
    # One refresh round is this many activity attempts, with exponential backoff from `retry_initial`;
    # after a failed round the workflow shows the failure and starts another after a growing pause.
    attempts_per_round: int = Field(default=3, ge=1)
    retry_initial: timedelta = timedelta(seconds=5)
    retry_max: timedelta = timedelta(minutes=30)
    activity_timeout: timedelta = timedelta(seconds=30)

    def pause_after(self, failed_rounds: int) -> timedelta:
        """Wait before the next round: `retry_initial` after the first failed round, doubling after each
        further one, capped at `retry_max`."""
        return min(self.retry_initial * 2 ** max(failed_rounds - 1, 0), self.retry_max)


class ShopConnected(Message):
    """The OAuth callback stored fresh tokens for this shop (a first connection or a re-authorization)."""

    connected_at: datetime
    access_expires_at: datetime
    refresh_expires_at: datetime


class ShopAuthorizationEvent(Message):
    """TikTok's SELLER_DEAUTHORIZATION (type 6) or UPCOMING_AUTHORIZATION_EXPIRATION (type 7) webhook."""

    event_id: str
    kind: Literal["deauthorized", "expiring"]
    occurred_at: datetime  # the push's timestamp
    message: str = ""
    expires_at: datetime | None = None  # type 7: when the authorization ends


class TokenExpiries(Message):
    """What a token refresh tells the workflow: when the new tokens die (never the tokens)."""

    access_expires_at: datetime
    refresh_expires_at: datetime


class ShopState(Journal):
    """The whole state of one shop's workflow: what the `status` query returns, and what is carried
    across continue-as-new."""

    max_remembered_events: ClassVar[int] = 100

    shop_id: str
    connections: int = 0  # OAuth connections seen; a refresh started before the latest one is void
    connected_at: datetime | None = None
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    last_refresh_at: datetime | None = None
    refreshes: int = 0
    consecutive_failures: int = 0
    last_failure: str = ""
    last_attempt_at: datetime | None = None
    next_refresh_at: datetime | None = None  # the next round's start; None while the seller must act
    reauthorization_reason: str = ""
    deauthorized_at: datetime | None = None
    authorization_expires_at: datetime | None = None  # announced by type 7
    expiry_warned_at: datetime | None = None
    store_outdated: bool = False  # the store's shop row must be brought in line with this state

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> ShopLifecycle:
        if self.deauthorized_at is not None:
            return ShopLifecycle.DEAUTHORIZED
        if self.reauthorization_reason:
            return ShopLifecycle.NEEDS_REAUTHORIZATION
        if self.consecutive_failures:
            return ShopLifecycle.REFRESH_FAILING
        return ShopLifecycle.ACTIVE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def attention_reason(self) -> str | None:
        """What an operator must look at, most serious first; None when all is well."""
        reasons = {
            ShopLifecycle.DEAUTHORIZED: SHOP_DEAUTHORIZED,
            ShopLifecycle.NEEDS_REAUTHORIZATION: REAUTHORIZATION_REQUIRED,
            ShopLifecycle.REFRESH_FAILING: TOKEN_REFRESH_FAILING,
        }
        if self.status in reasons:
            return reasons[self.status]
        return AUTHORIZATION_EXPIRING if self.authorization_expires_at is not None else None

    @property
    def refreshing(self) -> bool:
        """Whether token refreshes are due at all (not while the seller has to act)."""
        return self.status in (ShopLifecycle.ACTIVE, ShopLifecycle.REFRESH_FAILING)

    @property
    def authorization_ends_at(self) -> datetime | None:
        """When the seller must re-authorize: TikTok's announcement, else the refresh token's expiry."""
        return self.authorization_expires_at or self.refresh_expires_at

    def predates_connection(self, event: ShopAuthorizationEvent) -> bool:
        return (
            self.connected_at is not None
            and event.occurred_at < self.connected_at - DEAUTHORIZATION_CLOCK_TOLERANCE
        )


class ShopInput(BaseModel):
    """How a shop workflow starts: by id (the connect signal follows), or with carried state."""

    shop_id: str
    policy: ShopPolicy = Field(default_factory=ShopPolicy)
    carried: ShopState | None = None


class ShopGateway(Protocol):
    """How the API reaches a shop's workflow; implemented on Temporal in `workers.gateway`."""

    async def signal_shop(self, shop_id: str, signal: str, payload: BaseModel) -> str:
        """Signal the shop's workflow, starting it if it is not running; returns its workflow id."""
        ...

    async def shop_connected(self, shop_id: str, connected: ShopConnected) -> None:
        """Everything that looks after a newly (re)connected shop: its workflow takes over the tokens, its
        catalog is synced, and its orders are polled (reconciliation)."""
        ...
