"""The HTTP face of CreatorFlow: TikTok and carrier webhooks, shop onboarding (OAuth), health. (The codec
server joins it in later work.) Routes only translate HTTP to `WebhookInbox` / `Onboarding` calls and
back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from creatorflow.api.inbox import Outcome, WebhookInbox
from creatorflow.api.onboarding import Connection, Onboarding, OnboardingError, OnboardingProblem
from creatorflow.api.readiness import Readiness, readiness
from creatorflow.config import OAUTH_CALLBACK_PATH
from creatorflow.domain import Provider
from creatorflow.shipping.base import WebhookDelivery
from creatorflow.store import Store

_STATUS = {
    Outcome.ACCEPTED: 200,
    Outcome.DUPLICATE: 200,
    Outcome.FORGED: 401,
    Outcome.MALFORMED: 400,
    Outcome.UNAVAILABLE: 503,
}
# Told to a sender whose webhook the database could not record. TikTok keeps its own retry schedule
# (docs/reference/tiktok-shop-api.md §7.5); the header is for senders that read it.
RETRY_AFTER_SECONDS = 30


def _answer(outcome: Outcome) -> Response:
    """An empty body, as TikTok wants; 503 says when to try again."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if outcome is Outcome.UNAVAILABLE else None
    return Response(status_code=_STATUS[outcome], headers=headers)


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
        a signed body that is not a TikTok event is 400, and kept for inspection; 503 when the database
        could not record it, so TikTok sends it again."""
        outcome = await inbox.receive_tiktok(await request.body(), request.headers.get("authorization"))
        return _answer(outcome)

    @app.post("/webhooks/{provider}", status_code=200)
    async def tracking_webhook(provider: Provider, request: Request) -> Response:
        """A carrier's tracking event: 200 once recorded; 401 for a wrong Shippo `?token=` or EasyPost
        `X-Hmac-Signature`; 400 for a verified body that is not a tracking event, kept for inspection;
        503 when the database could not record it."""
        delivery = WebhookDelivery(
            body=await request.body(), headers=dict(request.headers), query=dict(request.query_params)
        )
        return _answer(await inbox.receive_tracking(provider, delivery))

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

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    async def readyz(response: Response) -> Readiness:
        """Ready to take webhooks: the app database answers and Temporal is reachable; 503 names what is
        not. (`/healthz` is liveness: the process answers.)"""
        ready = await readiness(store, inbox)
        if not ready.ready:
            response.status_code = 503
        return ready

    return app
