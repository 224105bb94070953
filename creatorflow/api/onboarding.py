"""Connecting a shop: TikTok's authorization flow (reference/tiktok-shop-api.md §3), without HTTP routing
or Temporal. The API's routes call `Onboarding`; the shop's workflow is reached through `ShopGateway`.

1. `authorization_url()`: a fresh `state` (32 random bytes; only its SHA-256 is stored, with an expiry,
   so any API replica can check it and a restart loses nothing), inside TikTok's authorize link.
2. `complete(...)`: the seller comes back. The state is claimed atomically (a replayed, expired or unknown
   one is refused), a denial is reported, the code is exchanged for tokens, the authorized shops are
   listed and stored with their encrypted tokens, and each shop's workflow is told.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from creatorflow.config import TikTokSettings
from creatorflow.metrics import Metrics, NoMetrics
from creatorflow.shops import ShopConnected, ShopGateway
from creatorflow.store import Store
from creatorflow.store.shops import StateCheck
from creatorflow.store.tables import Shop
from creatorflow.tiktok.auth import TikTokAuthClient
from creatorflow.tiktok.client import TikTokShopClient
from creatorflow.tiktok.errors import TikTokError, count_tiktok_error
from creatorflow.tiktok.models import TokenGrant

log = logging.getLogger(__name__)


class OnboardingFailure(StrEnum):
    STATE_MISSING = "state_missing"
    STATE_UNKNOWN = "state_unknown"
    STATE_USED = "state_used"
    STATE_EXPIRED = "state_expired"
    AUTH_DENIED = "auth_denied"
    CODE_MISSING = "code_missing"
    TIKTOK_REFUSED = "tiktok_refused"
    TIKTOK_UNAVAILABLE = "tiktok_unavailable"
    WORKFLOWS_UNAVAILABLE = "workflows_unavailable"


class OnboardingError(Exception):
    """Why a connection attempt failed, in words for the person who clicked the link."""

    def __init__(self, failure: OnboardingFailure, message: str, *, http_status: int = 400) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.http_status = http_status


_STATE_PROBLEMS = {
    StateCheck.UNKNOWN: (
        OnboardingFailure.STATE_UNKNOWN,
        "This authorization link is not one we issued. Start again from /shops/connect.",
    ),
    StateCheck.USED: (
        OnboardingFailure.STATE_USED,
        "This authorization link was already used. Start again from /shops/connect.",
    ),
    StateCheck.EXPIRED: (
        OnboardingFailure.STATE_EXPIRED,
        "This authorization link has expired. Start again from /shops/connect.",
    ),
}


class ConnectedShop(BaseModel):
    shop_id: str
    name: str
    region: str
    seller_type: str
    status: str


class Connection(BaseModel):
    """What the seller sees after authorizing: the shops now connected."""

    message: str
    seller_name: str
    shops: list[ConnectedShop]


class OnboardingProblem(BaseModel):
    """What the seller sees when connecting failed, and why."""

    error: OnboardingFailure
    message: str


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class Onboarding:
    def __init__(
        self,
        store: Store,
        tiktok: TikTokSettings,
        gateway: ShopGateway,
        *,
        state_ttl: timedelta = timedelta(minutes=10),
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._tiktok = tiktok
        self._gateway = gateway
        self._state_ttl = state_ttl
        self._metrics = metrics or NoMetrics()

    async def authorization_url(self) -> str:
        """TikTok's authorize page for our app, with a new single-use state."""
        state = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        # An expired link is still recognised (and called expired) for a day, then forgotten.
        await asyncio.to_thread(
            self._store.add_oauth_state, state_hash(state), now + self._state_ttl, now - timedelta(days=1)
        )
        async with TikTokAuthClient(self._tiktok) as auth:
            return auth.authorize_url(state)

    async def complete(self, state: str | None, code: str | None, error: str | None) -> Connection:
        """Finish a connection from TikTok's redirect; raises `OnboardingError` saying what went wrong."""
        await self._claim(state)
        if error:
            raise OnboardingError(
                OnboardingFailure.AUTH_DENIED,
                f"The seller did not authorize CreatorFlow on TikTok Shop ({error}); no shop was connected.",
                http_status=403,
            )
        if not code or code == "null":
            raise OnboardingError(OnboardingFailure.CODE_MISSING, "TikTok sent no authorization code.")
        grant, shops = await self._authorize(code)
        for shop in shops:
            await self._shop_connected(shop, grant)
        return Connection(
            message=f"Connected {len(shops)} shop(s).",
            seller_name=grant.seller_name,
            shops=[ConnectedShop.model_validate(shop, from_attributes=True) for shop in shops],
        )

    async def _claim(self, state: str | None) -> None:
        if not state:
            raise OnboardingError(
                OnboardingFailure.STATE_MISSING,
                "The authorization came back without its state. Start again from /shops/connect.",
            )
        check = await asyncio.to_thread(self._store.use_oauth_state, state_hash(state), datetime.now(UTC))
        if check is not StateCheck.VALID:
            failure, message = _STATE_PROBLEMS[check]
            raise OnboardingError(failure, message)

    async def _authorize(self, code: str) -> tuple[TokenGrant, list[Shop]]:
        """Exchange the code, list the shops it covers, and store them with the encrypted tokens."""
        try:
            async with TikTokAuthClient(self._tiktok) as auth:
                grant = await auth.get_token(code)
            async with TikTokShopClient(self._tiktok) as tiktok:
                authorized = await tiktok.get_authorized_shops(grant.access_token)
        except TikTokError as exc:
            count_tiktok_error(self._metrics, exc)
            if exc.retryable:
                raise OnboardingError(
                    OnboardingFailure.TIKTOK_UNAVAILABLE,
                    f"TikTok Shop did not answer ({exc.message}). Start again from /shops/connect.",
                    http_status=502,
                ) from exc
            raise OnboardingError(
                OnboardingFailure.TIKTOK_REFUSED, f"TikTok Shop refused the authorization: {exc}"
            ) from exc
        return grant, await asyncio.to_thread(self._store.save_authorized_shops, authorized, grant)

    async def _shop_connected(self, shop: Shop, grant: TokenGrant) -> None:
        """Hand the (re)connected shop to the workflows that look after it."""
        connected = ShopConnected(
            connected_at=datetime.now(UTC),
            access_expires_at=grant.access_token_expires_at,
            refresh_expires_at=grant.refresh_token_expires_at,
        )
        try:
            await self._gateway.shop_connected(shop.shop_id, connected)
        except Exception as exc:
            log.exception("shop %s stored but its workflow could not be told", shop.shop_id)
            raise OnboardingError(
                OnboardingFailure.WORKFLOWS_UNAVAILABLE,
                f"Shop {shop.shop_id} was authorized and stored, but CreatorFlow could not start managing "
                "it. Connect it again from /shops/connect in a moment.",
                http_status=503,
            ) from exc
