"""Connecting shops over HTTP (our API, TikTok's authorize page on the emulator, our callback), and what
a shop's workflow does with TikTok's deauthorization and expiry webhooks, through the whole stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from creatorflow.api.onboarding import Connection, OnboardingFailure, state_hash
from creatorflow.names import order_workflow_id, reconcile_schedule_id, shop_workflow_id
from creatorflow.shops import AUTHORIZATION_EXPIRING, SHOP_DEAUTHORIZED, ShopLifecycle, ShopState
from creatorflow.store.tables import OAuthState, ShopStatus, WebhookRow, WebhookStatus
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack, authorize_on_tiktok, oauth_callback
from workflows.search_attributes import ATTENTION_REASON, AUTHORIZATION_EXPIRES_AT, SHOP_STATUS
from workflows.shop import ShopWorkflow


def shop_handle(stack: Stack, shop_id: str) -> WorkflowHandle[ShopWorkflow, None]:
    return stack.client.get_workflow_handle_for(ShopWorkflow.run, shop_workflow_id(shop_id))


async def shop_state(stack: Stack, shop_id: str) -> ShopState:
    return await shop_handle(stack, shop_id).query(ShopWorkflow.status)


async def workflow_exists(stack: Stack, workflow_id: str) -> bool:
    try:
        await stack.client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


def problem(response_json: dict[str, str]) -> tuple[str, str]:
    return response_json["error"], response_json["message"]


async def test_seller_connects_two_shops_and_a_replayed_link_is_refused(stack: Stack) -> None:
    seller = await stack.control.create_seller("Two Shops Seller", shops=2)
    redirect = await authorize_on_tiktok(stack.api_url, stack.control, seller.id)
    response = await oauth_callback(stack.api_url, redirect)

    assert response.status_code == 200, response.text
    connection = Connection.model_validate_json(response.content)
    assert sorted(shop.shop_id for shop in connection.shops) == sorted(shop.id for shop in seller.shops)
    assert connection.seller_name == "Two Shops Seller"
    for shop in seller.shops:
        assert stack.store.shop(shop.id).status is ShopStatus.ACTIVE
        tokens = stack.store.tokens(shop.id)
        state = await shop_state(stack, shop.id)
        assert state.status is ShopLifecycle.ACTIVE
        assert state.access_expires_at == tokens.access_expires_at  # the workflow knows when to refresh

    # The same redirect again (a reload, or someone replaying the link) changes nothing.
    tokens_before = stack.store.tokens(seller.shops[0].id)
    replay = await oauth_callback(stack.api_url, redirect)
    assert replay.status_code == 400
    failure, message = problem(replay.json())
    assert failure == OnboardingFailure.STATE_USED and "already used" in message
    assert stack.store.tokens(seller.shops[0].id) == tokens_before
    assert (await shop_state(stack, seller.shops[0].id)).connections == 1

    # An operator refreshes now: the worker trades the stored refresh token for new tokens.
    refreshed = await shop_handle(stack, seller.shops[0].id).execute_update(ShopWorkflow.refresh_now)
    after = stack.store.tokens(seller.shops[0].id)
    assert refreshed.refreshes == 1 and refreshed.access_expires_at == after.access_expires_at
    assert after.access_token != tokens_before.access_token


async def test_expired_unknown_and_missing_states_are_refused_and_store_nothing(stack: Stack) -> None:
    seller = await stack.control.create_seller("Slow Seller")
    redirect = await authorize_on_tiktok(stack.api_url, stack.control, seller.id)
    with Session(stack.store.engine) as session:  # the seller took longer than the link lives
        row = session.get(OAuthState, state_hash(redirect["state"]))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()

    expired = await oauth_callback(stack.api_url, redirect)
    forged = await oauth_callback(stack.api_url, {**redirect, "state": "made-up-state"})
    missing = await oauth_callback(stack.api_url, {"code": redirect["code"]})

    assert (expired.status_code, problem(expired.json())[0]) == (400, OnboardingFailure.STATE_EXPIRED)
    assert "expired" in problem(expired.json())[1]
    assert (forged.status_code, problem(forged.json())[0]) == (400, OnboardingFailure.STATE_UNKNOWN)
    assert (missing.status_code, problem(missing.json())[0]) == (400, OnboardingFailure.STATE_MISSING)
    assert stack.store.shops() == []
    assert not await workflow_exists(stack, shop_workflow_id(seller.shops[0].id))


async def test_denied_authorization_and_bad_code_are_explained_and_store_nothing(stack: Stack) -> None:
    seller = await stack.control.create_seller("Careful Seller")
    denied = await oauth_callback(
        stack.api_url, await authorize_on_tiktok(stack.api_url, stack.control, seller.id, deny=True)
    )
    assert denied.status_code == 403
    failure, message = problem(denied.json())
    assert failure == OnboardingFailure.AUTH_DENIED and "did not authorize" in message

    approved = await authorize_on_tiktok(stack.api_url, stack.control, seller.id)
    bad_code = await oauth_callback(stack.api_url, {**approved, "code": "not-a-code"})
    assert bad_code.status_code == 400
    failure, message = problem(bad_code.json())
    assert failure == OnboardingFailure.TIKTOK_REFUSED
    assert "TikTok Shop refused the authorization" in message and "unknown auth_code" in message

    assert stack.store.shops() == []
    assert not await workflow_exists(stack, shop_workflow_id(seller.shops[0].id))


async def _status_attributes(handle: WorkflowHandle[ShopWorkflow, None]) -> tuple[str | None, str | None]:
    attributes = (await handle.describe()).typed_search_attributes
    return attributes.get(SHOP_STATUS), attributes.get(ATTENTION_REASON)


async def test_deauthorized_shop_takes_no_new_orders_until_the_seller_authorizes_again(
    stack: Stack, shop: SandboxShop
) -> None:
    handle = shop_handle(stack, shop.shop_id)
    await stack.control.deauthorize(shop.seller_id)  # in Seller Center; TikTok pushes type 6

    state = await eventually(
        lambda: shop_state(stack, shop.shop_id), lambda s: s.status is ShopLifecycle.DEAUTHORIZED
    )
    assert state.deauthorized_at is not None and state.attention_reason == SHOP_DEAUTHORIZED
    await eventually(
        lambda: _shop_row_status(stack, shop.shop_id), lambda status: status is ShopStatus.DEAUTHORIZED
    )
    # Operators see it too: the workflow publishes its search attributes once the store has the status.
    await eventually(
        lambda: _status_attributes(handle), lambda seen: seen == ("DEAUTHORIZED", SHOP_DEAUTHORIZED)
    )
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ShopWorkflow.refresh_now)
    assert "DEAUTHORIZED" in str(refused.value.cause)
    # Its token is void, so reconciliation stops polling it.
    await eventually(lambda: _polling_paused(stack, shop.shop_id), lambda paused: paused)

    # A buyer pays for a new order: TikTok's webhook arrives and is kept, but starts nothing.
    [order] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    rows = await eventually(
        lambda: _order_webhooks(stack, order["id"]),
        lambda found: bool(found) and all(row.status is not WebhookStatus.RECEIVED for row in found),
    )
    assert {(row.status, row.error) for row in rows} == {
        (WebhookStatus.IGNORED, f"shop {shop.shop_id} is DEAUTHORIZED")
    }
    assert not await workflow_exists(stack, order_workflow_id(shop.shop_id, order["id"]))
    assert stack.store.labels(shop.shop_id) == []

    # The seller authorizes the app again: the shop is back, under the same workflow.
    redirect = await authorize_on_tiktok(stack.api_url, stack.control, shop.seller_id)
    assert (await oauth_callback(stack.api_url, redirect)).status_code == 200
    back = await eventually(
        lambda: shop_state(stack, shop.shop_id), lambda s: s.status is ShopLifecycle.ACTIVE
    )
    assert back.connections == 2 and back.deauthorized_at is None
    await eventually(lambda: _shop_row_status(stack, shop.shop_id), lambda s: s is ShopStatus.ACTIVE)
    assert not await _polling_paused(stack, shop.shop_id)
    [later] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    await eventually(
        lambda: workflow_exists(stack, order_workflow_id(shop.shop_id, later["id"])), lambda found: found
    )


async def _polling_paused(stack: Stack, shop_id: str) -> bool:
    described = await stack.client.get_schedule_handle(reconcile_schedule_id(shop_id)).describe()
    return described.schedule.state.paused


async def test_upcoming_authorization_expiry_is_recorded_and_surfaced(
    stack: Stack, shop: SandboxShop
) -> None:
    expires = datetime.fromtimestamp(await stack.control.warn_authorization_expiry(shop.seller_id), UTC)

    state = await eventually(
        lambda: shop_state(stack, shop.shop_id), lambda s: s.authorization_expires_at is not None
    )
    assert state.authorization_expires_at == expires and state.expiry_warned_at is not None
    assert state.status is ShopLifecycle.ACTIVE and state.attention_reason == AUTHORIZATION_EXPIRING
    attributes = await eventually(
        lambda: _attributes(stack, shop.shop_id),
        lambda found: found[1] == AUTHORIZATION_EXPIRING,
    )
    assert attributes == ("ACTIVE", AUTHORIZATION_EXPIRING, expires)
    await eventually(lambda: _shop_row_expiry(stack, shop.shop_id), lambda found: found == expires)


async def _shop_row_status(stack: Stack, shop_id: str) -> ShopStatus:
    return stack.store.shop(shop_id).status


async def _shop_row_expiry(stack: Stack, shop_id: str) -> datetime | None:
    return stack.store.shop(shop_id).authorization_expires_at


async def _order_webhooks(stack: Stack, order_id: str) -> list[WebhookRow]:
    return [row for row in stack.store.webhooks() if row.order_id == order_id]


async def _attributes(stack: Stack, shop_id: str) -> tuple[str | None, str | None, datetime | None]:
    found = (await shop_handle(stack, shop_id).describe()).typed_search_attributes
    return found.get(SHOP_STATUS), found.get(ATTENTION_REASON), found.get(AUTHORIZATION_EXPIRES_AT)
