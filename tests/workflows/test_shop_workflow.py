"""ShopWorkflow with its real activities, the real onboarding and gateway, against the TikTok emulator over
HTTP: weeks of token refreshes on a time-skipping server, failing refreshes that recover, and a refresh
token TikTok no longer accepts.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities import contracts
from activities.shops import ShopActivities
from creatorflow.names import ShopMessage
from creatorflow.orders import OrderPolicy
from creatorflow.shops import (
    REAUTHORIZATION_REQUIRED,
    TOKEN_REFRESH_FAILING,
    ShopAuthorizationEvent,
    ShopLifecycle,
    ShopPolicy,
    ShopState,
)
from creatorflow.tiktok.errors import TOKEN_EXPIRED
from devstack.polling import eventually
from tests.workflows.conftest import ShopHandle, World
from workers.gateway import TemporalGateway
from workers.worker import build_workers, running_workers
from workflows.search_attributes import ATTENTION_REASON, SHOP_STATUS
from workflows.shop import ShopWorkflow

REFRESH_PATH = "/api/v2/token/refresh"
# Production timings, except that a failed round is retried after a fraction of a second.
QUICK_RETRIES = ShopPolicy(
    retry_initial=timedelta(milliseconds=200), retry_max=timedelta(seconds=1), attempts_per_round=2
)


async def status(handle: ShopHandle) -> ShopState:
    return await handle.query(ShopWorkflow.status)


async def decrypted_payloads(client: Client, handle: ShopHandle) -> str:
    """Every payload of the workflow's history (inputs, signals, activity results...), decrypted."""
    payloads: list[Payload] = []

    def collect(message: Message) -> None:
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            if field.message_type.GetOptions().map_entry:
                items = list(value.values())
            elif field.is_repeated:
                items = list(value)
            else:
                items = [value]
            for item in items:
                if isinstance(item, Payload):
                    payloads.append(item)
                elif isinstance(item, Message):
                    collect(item)

    for event in (await handle.fetch_history()).events:
        collect(event)
    codec = client.data_converter.payload_codec
    assert codec is not None
    return b"\n".join(payload.data for payload in await codec.decode(payloads)).decode()


async def require_authorized(world: World, shop_id: str) -> None:
    """What an order of the shop asks before buying a label: the real activity, on the world's store."""

    async def not_paused(shop_id: str, reason: str) -> None:
        raise AssertionError("checking a shop never pauses its polling")

    activities = ShopActivities(world.store, world.settings.tiktok, pause_polling=not_paused)
    await activities.require_authorized(contracts.ShopRef(shop_id=shop_id))


async def run_id(handle: ShopHandle) -> str | None:
    return (await handle.describe()).run_id


async def search_attributes(handle: ShopHandle) -> tuple[str | None, str | None]:
    attributes = (await handle.describe()).typed_search_attributes
    return attributes.get(SHOP_STATUS), attributes.get(ATTENTION_REASON)


# --- three weeks of refreshes ----------------------------------------------------------------------


async def idle(handle: ShopHandle) -> None:
    """Until the workflow has nothing in flight."""

    async def in_flight() -> bool:
        raw = (await handle.describe()).raw_description
        return bool(raw.pending_activities) or raw.HasField("pending_workflow_task")

    await eventually(in_flight, lambda busy: not busy, timeout=30)


async def emulator_at(world: World, moment: datetime) -> None:
    """Bring the TikTok emulator's clock up to `moment`; it only moves forward, by more than nothing."""
    lag = moment.timestamp() - await world.control.clock()
    if lag > 0:
        await world.control.advance_clock(lag)


async def round_over(handle: ShopHandle, planned: datetime) -> None:
    """Until the loop has planned the round after the one due at `planned`, whether that one worked or not."""
    await eventually(lambda: status(handle), lambda state: state.next_refresh_at != planned)


async def half_a_day(env: WorkflowEnvironment, world: World, handle: ShopHandle) -> None:
    """Move the workflow 12 virtual hours on. A fast-forward moves time even while an activity runs
    (reference/temporal.md, B1) and would time out a refresh started mid-jump; so each refresh due on the
    way (or already due) gets both clocks set one second past its due time and is let finish before the
    jump goes on."""
    end = await env.get_current_time(handle) + timedelta(hours=12)
    while (before := await status(handle)).next_refresh_at is not None and before.next_refresh_at < end:
        now = await env.get_current_time(handle)
        target = max(now, before.next_refresh_at + timedelta(seconds=1))
        await emulator_at(world, target)
        if target > now:
            assert await env.fast_forward(handle, target - now)
        await round_over(handle, before.next_refresh_at)
    rest = end - await env.get_current_time(handle)
    if rest > timedelta(0):
        assert await env.fast_forward(handle, rest)
    await idle(handle)


async def test_tokens_are_refreshed_before_they_expire_for_three_weeks(
    skipping_env: WorkflowEnvironment, world: World
) -> None:
    """Every 12 virtual hours the emulator's clock is moved to the workflow's and a shop call is made
    with the stored access token, as an order activity would: TikTok never sees an expired token."""
    client = skipping_env.client
    seller = await world.control.create_seller("Three Weeks Seller")
    async with running_workers(build_workers(client, world.settings, world.store, world.tiktok)):
        handle = await world.connect(client, ShopPolicy(), seller.id)
        started = await skipping_env.get_current_time(handle)
        calls = 0
        while await skipping_env.get_current_time(handle) - started < timedelta(days=21):
            await half_a_day(skipping_env, world, handle)
            virtual_now = await skipping_env.get_current_time(handle)
            await emulator_at(world, virtual_now)
            tokens = world.store.tokens(seller.shops[0].id)
            assert tokens.access_expires_at > virtual_now, f"stored token already expired at {virtual_now}"
            # Raises TokenExpiredError (105002) if TikTok, by its own clock, saw an expired token.
            [shop] = await world.tiktok.get_authorized_shops(tokens.access_token)
            assert shop.id == seller.shops[0].id
            calls += 1
        state = await status(handle)
        await handle.terminate("test over")

    assert calls == 42
    # A 7-day token refreshed a day before it expires: at about days 6, 12 and 18.
    assert state.refreshes == 3 and state.consecutive_failures == 0
    assert state.status is ShopLifecycle.ACTIVE
    refreshes = await world.control.ledger(REFRESH_PATH)
    assert [entry["status"] for entry in refreshes] == [200, 200, 200]
    # Nothing that reached TikTok in those weeks, from any caller on any path, was refused as expired.
    answered = [entry["code"] for entry in await world.control.ledger()]
    assert len(answered) >= calls + 3  # the test's calls and the refreshes, at least
    assert TOKEN_EXPIRED not in answered
    emulator_now = datetime.fromtimestamp(await world.control.clock(), UTC)
    assert state.access_expires_at is not None and state.access_expires_at > emulator_now


# --- failures ------------------------------------------------------------------------------------


@pytest.fixture
async def shop(world: World, temporal_client: Client) -> AsyncIterator[tuple[str, ShopHandle]]:
    """A connected shop whose workflow runs on the shared dev server, with quick retries."""
    seller = await world.control.create_seller(f"Seller {uuid.uuid4().hex[:6]}")
    async with running_workers(build_workers(temporal_client, world.settings, world.store, world.tiktok)):
        handle = await world.connect(temporal_client, QUICK_RETRIES, seller.id)
        yield seller.id, handle
        await handle.terminate("test over")


async def test_failing_refreshes_are_shown_retried_and_recover(
    world: World, temporal_client: Client, shop: tuple[str, ShopHandle]
) -> None:
    _, handle = shop
    shop_id = (await status(handle)).shop_id
    before = world.store.tokens(shop_id)
    # TikTok's token endpoint fails until further notice.
    await world.control.set_faults([{"path": REFRESH_PATH, "error_rate": 1.0, "kinds": ["5xx"]}])

    failing = await handle.execute_update(ShopWorkflow.refresh_now)
    assert failing.status is ShopLifecycle.REFRESH_FAILING
    assert failing.consecutive_failures == 1 and "Internal error" in failing.last_failure
    assert failing.attention_reason == TOKEN_REFRESH_FAILING
    assert await eventually(
        lambda: search_attributes(handle), lambda found: found == ("REFRESH_FAILING", TOKEN_REFRESH_FAILING)
    )
    await eventually(lambda: status(handle), lambda state: state.consecutive_failures >= 3)  # on its own

    await world.control.set_faults([])
    recovered = await eventually(lambda: status(handle), lambda state: state.refreshes == 1)
    assert recovered.status is ShopLifecycle.ACTIVE and recovered.consecutive_failures == 0
    assert any("refresh recovered after" in line for line in recovered.history)
    assert await eventually(lambda: search_attributes(handle), lambda found: found == ("ACTIVE", None))
    *failed, succeeded = [entry["status"] for entry in await world.control.ledger(REFRESH_PATH)]
    assert len(failed) >= 6 and set(failed) == {500} and succeeded == 200
    after = world.store.tokens(shop_id)
    assert after.access_token != before.access_token
    assert after.access_expires_at == recovered.access_expires_at

    # Tokens never reach workflow history, not even encrypted; only their expiry times do.
    history = await decrypted_payloads(temporal_client, handle)
    assert shop_id in history and after.access_expires_at.strftime("%Y-%m-%dT%H:%M:%S") in history
    for secret in (before.access_token, before.refresh_token, after.access_token):
        assert secret not in history


async def test_rejected_refresh_token_asks_for_reauthorization_and_stops_retrying(
    world: World, temporal_client: Client, shop: tuple[str, ShopHandle]
) -> None:
    seller_id, handle = shop
    # The seller revokes the app; its webhook goes nowhere here, so the next refresh is what finds out.
    await world.control.deauthorize(seller_id)

    refused = await handle.execute_update(ShopWorkflow.refresh_now)
    assert refused.status is ShopLifecycle.NEEDS_REAUTHORIZATION
    assert "can not find related auth record" in refused.reauthorization_reason
    assert refused.attention_reason == REAUTHORIZATION_REQUIRED
    assert await eventually(
        lambda: search_attributes(handle),
        lambda found: found == ("NEEDS_REAUTHORIZATION", REAUTHORIZATION_REQUIRED),
    )
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await handle.execute_update(ShopWorkflow.refresh_now)
    assert "the seller must authorize the app again" in str(again.value.cause)
    assert len(await world.control.ledger(REFRESH_PATH)) == 1  # not retried: retrying cannot help
    # The store follows, so the shop's orders buy no label until the seller is back.
    shop_id = refused.shop_id
    await eventually(
        lambda: asyncio.to_thread(world.store.shop, shop_id), lambda shop: shop.status.value != "ACTIVE"
    )
    assert world.store.shop(shop_id).status.value == "NEEDS_REAUTHORIZATION"
    with pytest.raises(ApplicationError) as no_label:
        await require_authorized(world, shop_id)
    assert no_label.value.type == contracts.SHOP_NEEDS_REAUTHORIZATION and no_label.value.non_retryable

    # The seller authorizes again: the same workflow takes the new tokens and refreshes them.
    await world.connect(temporal_client, QUICK_RETRIES, seller_id)
    back = await eventually(lambda: status(handle), lambda state: state.connections == 2)
    assert back.status is ShopLifecycle.ACTIVE and back.reauthorization_reason == ""
    await require_authorized(world, shop_id)  # the store is ACTIVE again: labels may be bought
    refreshed = await handle.execute_update(ShopWorkflow.refresh_now)
    assert refreshed.status is ShopLifecycle.ACTIVE and refreshed.refreshes == 1


# --- continue-as-new and late webhooks ---------------------------------------------------------------


async def test_state_survives_continue_as_new_and_late_deauthorizations_are_ignored(
    short_history_env: WorkflowEnvironment, world: World
) -> None:
    client = short_history_env.client
    gateway = TemporalGateway(client, OrderPolicy(), QUICK_RETRIES)
    seller = await world.control.create_seller("Busy Seller")
    async with running_workers(build_workers(client, world.settings, world.store, world.tiktok)):
        handle = await world.connect(client, QUICK_RETRIES, seller.id)
        first_run = (await handle.describe()).run_id
        connected = await status(handle)
        assert connected.connected_at is not None
        # TikTok warns daily for a month before the authorization ends: each warning is a signal.
        ends = datetime(2027, 1, 1, tzinfo=UTC)
        for day in range(30):
            warning = ShopAuthorizationEvent(
                event_id=f"tts:7:{day}", kind="expiring", occurred_at=connected.connected_at, expires_at=ends
            )
            await gateway.signal_shop(connected.shop_id, ShopMessage.AUTHORIZATION_EVENT, warning)
        # A deauthorization from before this connection, delivered late by TikTok's retries.
        stale = ShopAuthorizationEvent(
            event_id="tts:6:old",
            kind="deauthorized",
            occurred_at=connected.connected_at - timedelta(hours=3),
            message="Shop_id is deauthorized from your APP by merchant.",
        )
        await gateway.signal_shop(connected.shop_id, ShopMessage.AUTHORIZATION_EVENT, stale)

        await eventually(lambda: run_id(handle), lambda run: run != first_run)  # continued as new
        carried = await eventually(lambda: status(handle), lambda state: len(state.seen_event_ids) == 31)
        assert carried.connections == 1 and carried.connected_at == connected.connected_at
        assert carried.authorization_expires_at == ends and carried.status is ShopLifecycle.ACTIVE
        assert any("older than the latest connection was ignored" in line for line in carried.history)
        assert world.store.shop(connected.shop_id).status.value == "ACTIVE"
        refreshed = await handle.execute_update(ShopWorkflow.refresh_now)  # the new run still acts
        assert (
            refreshed.refreshes == 1
            and refreshed.access_expires_at == world.store.tokens(connected.shop_id).access_expires_at
        )
        await handle.terminate("test over")
