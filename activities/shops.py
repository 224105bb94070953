"""Shop credential activities: refresh a shop's tokens and keep the store's shop row in line with its
workflow. Tokens are read and written here, in the store, and never returned to the workflow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts
from activities.errors import activity_errors
from creatorflow.config import TikTokSettings
from creatorflow.shops import PaymentHold, TokenExpiries
from creatorflow.store import Store
from creatorflow.store.tables import ShopStatus
from creatorflow.tiktok.auth import TikTokAuthClient

# Stops polling a shop: its reconcile Schedule is paused (`workers.schedules`), until it connects again.
PausePolling = Callable[[str, str], Awaitable[object]]


class ShopActivities:
    def __init__(self, store: Store, tiktok: TikTokSettings, pause_polling: PausePolling) -> None:
        self._store = store
        self._tiktok = tiktok
        self._pause_polling = pause_polling

    @activity.defn(name=contracts.REFRESH_TOKENS.name)
    async def refresh_tokens(self, ref: contracts.ShopRef) -> TokenExpiries:
        """Trade the stored refresh token for new tokens and store them; only their expiries come back.

        An expired refresh token is never sent: the seller must authorize the app again, and retrying
        cannot change that (nor can TikTok's own "unknown or expired" answer, mapped the same way).
        """
        with activity_errors():
            tokens = await asyncio.to_thread(self._store.tokens, ref.shop_id)
            if tokens.refresh_expires_at <= datetime.now(UTC):
                raise ApplicationError(
                    f"shop {ref.shop_id}: the refresh token expired on {tokens.refresh_expires_at:%Y-%m-%d}",
                    type=contracts.SHOP_AUTHORIZATION,
                    non_retryable=True,
                )
            async with TikTokAuthClient(self._tiktok) as auth:
                grant = await auth.refresh_token(tokens.refresh_token)
            await asyncio.to_thread(self._store.save_tokens, ref.shop_id, grant)
            return TokenExpiries(
                access_expires_at=grant.access_token_expires_at,
                refresh_expires_at=grant.refresh_token_expires_at,
            )

    @activity.defn(name=contracts.RECORD_SHOP.name)
    async def record_shop(self, update: contracts.ShopRecordUpdate) -> None:
        """The store's shop row follows the workflow; a deauthorized shop is no longer polled either
        (its token is void, so every pass would fail)."""
        status = ShopStatus(update.status)
        await asyncio.to_thread(
            self._store.set_shop_status, update.shop_id, status, update.authorization_expires_at
        )
        if status is ShopStatus.DEAUTHORIZED:
            await self._pause_polling(update.shop_id, "the seller deauthorized the app")

    @activity.defn(name=contracts.READ_PAYMENT_HOLD.name)
    async def payment_hold(self, ref: contracts.ShopRef) -> PaymentHold:
        return await asyncio.to_thread(self._store.payment_hold, ref.shop_id)

    @activity.defn(name=contracts.REQUIRE_AUTHORIZED_SHOP.name)
    async def require_authorized(self, ref: contracts.ShopRef) -> None:
        """An order whose seller revoked the app, or whose refresh token TikTok rejected, must not buy a
        label: TikTok would refuse to ship it with our void token. The store's shop row follows the shop's
        workflow; the order waits parked and asks again (`OrderWorkflow._wait_while_parked`)."""
        with activity_errors():
            shop = await asyncio.to_thread(self._store.shop, ref.shop_id)
        if shop.status is not ShopStatus.ACTIVE:
            why, reason = _NOT_AUTHORIZED[shop.status]
            raise ApplicationError(
                f"{why} for shop {ref.shop_id}: no label is bought until the seller authorizes the app again",
                type=reason,
                non_retryable=True,
            )


# Why a shop that is not ACTIVE cannot have labels bought, and the order's AttentionReason for it.
_NOT_AUTHORIZED = {
    ShopStatus.DEAUTHORIZED: ("the seller deauthorized the app", contracts.SHOP_DEAUTHORIZED),
    ShopStatus.NEEDS_REAUTHORIZATION: (
        "TikTok rejected the refresh token",
        contracts.SHOP_NEEDS_REAUTHORIZATION,
    ),
}
