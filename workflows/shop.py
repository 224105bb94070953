"""`ShopWorkflow`: one connected shop's credentials, for as long as the shop is connected (docs/design.md,
"Workflows"). ID `shop:{shop_id}`; started (or woken) by the OAuth callback and TikTok's webhooks through
signal-with-start.

Same shape as `OrderWorkflow`: signal and update handlers only record facts in `ShopState`; the loop acts
on them through activities and sleeps until the access token is due for a refresh (its expiry minus the
policy's margin) or until news arrives.

- Tokens never enter history: the refresh activity reads and writes them in the store and returns only
  their expiry times.
- A refresh round is a few activity attempts with backoff; a failed round shows in the state and the
  `AttentionReason` search attribute (TokenRefreshFailing) and is retried after a growing pause, until it
  works. A refresh token TikTok rejects stops refreshing and marks the shop NEEDS_REAUTHORIZATION in the
  store (its orders then buy no label): the seller must authorize the app again.
- SELLER_DEAUTHORIZATION marks the shop DEAUTHORIZED in the store (the webhook inbox then ignores its
  orders) and stops refreshing; a new OAuth connection brings it back.
- UPCOMING_AUTHORIZATION_EXPIRATION is recorded with its date and surfaced.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import search_attributes
from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.names import ShopMessage
    from creatorflow.shops import (
        ShopAuthorizationEvent,
        ShopConnected,
        ShopInput,
        ShopLifecycle,
        ShopState,
        TokenExpiries,
    )

# Recording NEEDS_REAUTHORIZATION in the store is a new command after released refused refreshes.
RECORD_REAUTHORIZATION_PATCH = "record-needs-reauthorization-v1"
# The store's shop row for each lifecycle; a failing refresh still leaves the shop's orders going.
STORE_STATUS = {
    ShopLifecycle.ACTIVE: "ACTIVE",
    ShopLifecycle.REFRESH_FAILING: "ACTIVE",
    ShopLifecycle.NEEDS_REAUTHORIZATION: "NEEDS_REAUTHORIZATION",
    ShopLifecycle.DEAUTHORIZED: "DEAUTHORIZED",
}


@workflow.defn
class ShopWorkflow:
    @workflow.init
    def __init__(self, input: ShopInput) -> None:
        self.s = input.carried or ShopState(shop_id=input.shop_id)
        self.policy = input.policy
        self._wake = False
        self._refresh_requested = False
        self._refreshing = False
        self._rounds = 0  # refresh rounds finished in this run (what `refresh_now` waits on)
        self._published: tuple[Any, ...] = ()

    # --- run loop ------------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: ShopInput) -> None:
        while True:
            if self.s.store_outdated:
                await self._record_shop()
                continue
            due = self.s.next_refresh_at = self._refresh_due()
            self._publish()
            if due is not None and (self._refresh_requested or due <= workflow.now()):
                await self._refresh()
            elif workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
            else:
                await self._wait_for_news(None if due is None else due - workflow.now())

    def _refresh_due(self) -> datetime | None:
        """When the next refresh round should start; None while the seller has to act first."""
        s = self.s
        if not s.refreshing:
            return None
        if s.consecutive_failures and s.last_attempt_at is not None:
            return s.last_attempt_at + self.policy.pause_after(s.consecutive_failures)
        if s.access_expires_at is None:
            return workflow.now()  # started by a webhook for a shop connected before: learn the expiry
        due = s.access_expires_at - self.policy.refresh_margin
        if s.last_refresh_at is not None:
            # Never faster than half the token's life, whatever the margin: no refresh storm.
            due = max(due, s.last_refresh_at + (s.access_expires_at - s.last_refresh_at) / 2)
        return due

    async def _continue_as_new(self) -> None:
        """Only when every handler is done; a refresh asked for meanwhile is served first."""
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() or self._refresh_requested or self.s.store_outdated
        )
        if workflow.all_handlers_finished() and not (self._refresh_requested or self.s.store_outdated):
            workflow.continue_as_new(ShopInput(shop_id=self.s.shop_id, policy=self.policy, carried=self.s))

    async def _wait_for_news(self, timeout: timedelta | None) -> None:
        try:
            await workflow.wait_condition(lambda: self._wake, timeout=timeout)
        except TimeoutError:
            return
        self._wake = False

    def _notify(self) -> None:
        self._wake = True

    # --- acting --------------------------------------------------------------------------------

    async def _refresh(self) -> None:
        self._refresh_requested = False
        self._refreshing = True
        connection = self.s.connections
        self.s.last_attempt_at = workflow.now()
        try:
            expiries = await call(
                contracts.REFRESH_TOKENS,
                contracts.ShopRef(shop_id=self.s.shop_id),
                start_to_close_timeout=self.policy.activity_timeout,
                retry_policy=RetryPolicy(
                    initial_interval=self.policy.retry_initial,
                    maximum_interval=self.policy.retry_max,
                    maximum_attempts=self.policy.attempts_per_round,
                ),
                summary="refresh the access token",
            )
        except ActivityError as err:
            if connection == self.s.connections:  # else a new OAuth connection made this moot
                self._refresh_failed(err)
        else:
            if connection == self.s.connections:
                self._refreshed(expiries)
        finally:
            self._refreshing = False
            self._rounds += 1

    def _refreshed(self, expiries: TokenExpiries) -> None:
        s, now = self.s, workflow.now()
        if s.consecutive_failures:
            s.note(now, f"refresh recovered after {s.consecutive_failures} failed round(s)")
        s.access_expires_at = expiries.access_expires_at
        s.refresh_expires_at = expiries.refresh_expires_at
        s.last_refresh_at = now
        s.refreshes += 1
        s.consecutive_failures = 0
        s.last_failure = ""
        s.note(now, f"token refreshed; valid until {expiries.access_expires_at:%Y-%m-%dT%H:%M:%SZ}")

    def _refresh_failed(self, err: ActivityError) -> None:
        s, now = self.s, workflow.now()
        cause = err.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
        if isinstance(cause, ApplicationError) and cause.type == contracts.SHOP_AUTHORIZATION:
            s.reauthorization_reason = message
            s.store_outdated = workflow.patched(RECORD_REAUTHORIZATION_PATCH)  # its orders stop buying labels
            s.note(now, f"TikTok refused the refresh token ({message}): the seller must authorize again")
            workflow.logger.warning("shop %s needs re-authorization: %s", s.shop_id, message)
            return
        s.consecutive_failures += 1
        s.last_failure = message
        s.note(now, f"refresh failed (round {s.consecutive_failures}): {message}")
        workflow.logger.warning("shop %s token refresh failing: %s", s.shop_id, message)

    async def _record_shop(self) -> None:
        self.s.store_outdated = False
        status = STORE_STATUS[self.s.status]
        await call(
            contracts.RECORD_SHOP,
            contracts.ShopRecordUpdate(
                shop_id=self.s.shop_id,
                status=status,
                authorization_expires_at=self.s.authorization_ends_at,
            ),
            start_to_close_timeout=self.policy.activity_timeout,
            summary=f"record shop {status}",
        )

    # --- signals: OAuth connections and TikTok's webhooks --------------------------------------

    @workflow.signal(name=ShopMessage.CONNECTED)
    def connected(self, event: ShopConnected) -> None:
        s = self.s
        s.connections += 1
        s.connected_at = event.connected_at
        s.access_expires_at = event.access_expires_at
        s.refresh_expires_at = event.refresh_expires_at
        s.consecutive_failures = 0
        s.last_failure = ""
        s.reauthorization_reason = ""
        s.deauthorized_at = None
        s.authorization_expires_at = None  # a new authorization ends later than the announced one
        s.expiry_warned_at = None
        s.store_outdated = True
        s.note(workflow.now(), "connected through OAuth" + (" again" if s.connections > 1 else ""))
        self._notify()

    @workflow.signal(name=ShopMessage.AUTHORIZATION_EVENT)
    def authorization_event(self, event: ShopAuthorizationEvent) -> None:
        s = self.s
        if not s.remember(event.event_id):
            return
        if event.kind == "deauthorized":
            if s.predates_connection(event):
                s.note(workflow.now(), "a deauthorization older than the latest connection was ignored")
                return
            s.deauthorized_at = event.occurred_at
            s.note(workflow.now(), f"deauthorized by the seller: {event.message}")
        else:
            s.authorization_expires_at = event.expires_at
            s.expiry_warned_at = event.occurred_at
            ends = f"{event.expires_at:%Y-%m-%d}" if event.expires_at else "soon"
            s.note(workflow.now(), f"TikTok: the authorization expires {ends}; the seller must renew it")
        s.store_outdated = True
        self._notify()

    # --- query and operator update -------------------------------------------------------------

    @workflow.query(name=ShopMessage.STATUS)
    def status(self) -> ShopState:
        return self.s

    @workflow.update(name=ShopMessage.REFRESH_NOW)
    async def refresh_now(self) -> ShopState:
        """Refresh at once; answers with the state after that round (refreshed, or why not)."""
        target = self._rounds + (2 if self._refreshing else 1)  # a round already running used old news
        self._refresh_requested = True
        self.s.note(workflow.now(), "operator: refresh now")
        self._notify()
        await workflow.wait_condition(lambda: self._rounds >= target or not self.s.refreshing)
        return self.s

    @refresh_now.validator
    def _validate_refresh_now(self) -> None:
        if not self.s.refreshing:
            raise ValueError(
                f"cannot refresh: the shop is {self.s.status.value}; the seller must authorize the app again"
            )

    # --- visibility ----------------------------------------------------------------------------

    def _publish(self) -> None:
        s = self.s
        ends = s.authorization_ends_at
        visible = (s.status, s.attention_reason, ends, s.access_expires_at, s.consecutive_failures)
        if visible == self._published:
            return
        self._published = visible
        updates: list[SearchAttributeUpdate[Any]] = [
            search_attributes.SHOP_ID.value_set(s.shop_id),
            search_attributes.SHOP_STATUS.value_set(s.status.value),
            search_attributes.ATTENTION_REASON.value_set(s.attention_reason)
            if s.attention_reason
            else search_attributes.ATTENTION_REASON.value_unset(),
        ]
        if ends is not None:
            updates.append(search_attributes.AUTHORIZATION_EXPIRES_AT.value_set(ends))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        s = self.s
        lines = [f"**{s.status.value}**" + (f" — {s.attention_reason}" if s.attention_reason else "")]
        if s.access_expires_at:
            lines.append(f"Access token valid until {s.access_expires_at:%Y-%m-%d %H:%M} UTC")
        if s.next_refresh_at:
            lines.append(f"Next refresh {s.next_refresh_at:%Y-%m-%d %H:%M} UTC")
        if s.authorization_ends_at:
            lines.append(f"Authorization ends {s.authorization_ends_at:%Y-%m-%d} UTC")
        if s.last_failure:
            lines.append(f"Last refresh failure: {s.last_failure}")
        lines += ["", "Recent:", *(f"- {entry}" for entry in s.history[-5:])]
        return "\n".join(lines)
