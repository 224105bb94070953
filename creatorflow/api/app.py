"""The HTTP face of CreatorFlow: TikTok and carrier webhooks, shop onboarding (OAuth), health. (The codec
server joins it in later work.) Routes only translate HTTP to `WebhookInbox` / `Onboarding` calls and
back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from creatorflow.api.inbox import Outcome, WebhookInbox
from creatorflow.api.onboarding import Connection, Onboarding, OnboardingError, OnboardingProblem
from creatorflow.config import OAUTH_CALLBACK_PATH
from creatorflow.domain import Provider
from creatorflow.shipping.base import WebhookDelivery
from creatorflow.store import Store

_STATUS = {Outcome.ACCEPTED: 200, Outcome.DUPLICATE: 200, Outcome.FORGED: 401, Outcome.MALFORMED: 400}


def create_app(
    inbox: WebhookInbox, onboarding: Onboarding, store: Store, *, forward_interval: float = 2.0
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        forwarder = asyncio.create_task(inbox.run_forwarder(forward_interval), name="webhook-forwarder")
        yield
        forwarder.cancel()
        with suppress(asyncio.CancelledError):
            await forwarder

    app = FastAPI(title="CreatorFlow", lifespan=lifespan)

    @app.post("/webhooks/tiktok", status_code=200)
    async def tiktok_webhook(request: Request) -> Response:
        """TikTok wants 200 with an empty body within 3 s, or 401 with an empty body for a bad signature;
        a signed body that is not a TikTok event is 400, and kept for inspection."""
        outcome = await inbox.receive_tiktok(await request.body(), request.headers.get("authorization"))
        return Response(status_code=_STATUS[outcome])

    @app.post("/webhooks/{provider}", status_code=200)
    async def tracking_webhook(provider: Provider, request: Request) -> Response:
        """A carrier's tracking event: 200 once recorded; 401 for a wrong Shippo `?token=` or EasyPost
        `X-Hmac-Signature`; 400 for a verified body that is not a tracking event, kept for inspection."""
        delivery = WebhookDelivery(
            body=await request.body(), headers=dict(request.headers), query=dict(request.query_params)
        )
        return Response(status_code=_STATUS[await inbox.receive_tracking(provider, delivery)])

    @app.get("/shops/connect")
    async def connect_shop() -> RedirectResponse:
        """Send the seller to TikTok to authorize CreatorFlow; the link is single-use and expires."""
        return RedirectResponse(await onboarding.authorization_url(), status_code=302)

    @app.get(OAUTH_CALLBACK_PATH, response_model=Connection, responses={400: {"model": OnboardingProblem}})
    async def oauth_callback(
        state: str | None = None, code: str | None = None, error: str | None = None
    ) -> Connection | JSONResponse:
        """TikTok sends the seller back here: `?code=…&state=…`, or `?code=null&error=auth_denied&state=…`."""
        try:
            return await onboarding.complete(state, code, error)
        except OnboardingError as exc:
            problem = OnboardingProblem(error=exc.failure, message=exc.message)
            return JSONResponse(problem.model_dump(mode="json"), status_code=exc.http_status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(response: Response) -> dict[str, bool]:
        checks = {
            "database": await asyncio.to_thread(_database_ok, store),
            "temporal": await inbox.gateway_ready(),
        }
        if not all(checks.values()):
            response.status_code = 503
        return checks

    return app


def _database_ok(store: Store) -> bool:
    try:
        with store.engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception:
        return False
    return True
