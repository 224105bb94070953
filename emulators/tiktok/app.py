"""A faithful local TikTok Shop: a FastAPI app that a TikTok Shop Partner API client cannot tell apart from
the real service on the paths CreatorFlow uses (facts: docs/reference/tiktok-shop-api.md; checklist: its §9).

    with BackgroundServer(create_app(TikTokEmulatorConfig(app_key=…, app_secret=…, …))) as server: ...

Where things are (all in `emulators/tiktok/`):
- app.py (this file): the config, the app's assembly, error envelopes, the catch-all for unknown paths.
- gateway.py: the checks every Open API call goes through (sign, timestamp, token, shop_cipher, QPS).
- routes_shop.py, routes_orders.py, routes_aftersales.py, routes_finance.py: the Open API routes.
- routes_oauth.py: the seller authorization page and the token endpoints (the auth host is this server too).
- world.py and the parts it composes (world_catalog, _authorizations, _orders, _fulfillment, _aftersales,
  _finance):
  the state, in TikTok's own shapes (wire_models; wire-only shapes in wire_schemas).
- webhook_events.py / webhook_pusher.py: what is pushed on every change, and how it is delivered.
- webhook_addresses.py: the webhook addresses TikTok takes (https, a domain name, no port).
- routes_admin.py: `/_admin`, for tests and demos to play buyers, carriers, time (admin_client.py calls it).
- ../saved_state.py: with a state file, the world and its deliveries outlive a restart (`creatorflow dev`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from starlette.routing import Match
from starlette.types import Scope

from creatorflow.config import Settings
from emulators import saved_state
from emulators.faults import FaultInjector, FaultKind, install_faults
from emulators.tiktok.gateway import Gateway, RateLimiter
from emulators.tiktok.routes_admin import admin_router
from emulators.tiktok.routes_aftersales import aftersales_router
from emulators.tiktok.routes_finance import finance_router
from emulators.tiktok.routes_oauth import oauth_router
from emulators.tiktok.routes_orders import orders_router
from emulators.tiktok.routes_shop import shop_router
from emulators.tiktok.settings import GatewaySettings, PartnerApp, WebhookSettings, WorldSettings
from emulators.tiktok.webhook_pusher import Delivery, WebhookPusher
from emulators.tiktok.wire_envelope import DEFAULT_HTTP_STATUS, FAULT_CODES, envelope
from emulators.tiktok.wire_errors import ApiError, Code, Conflict, UnknownObject
from emulators.tiktok.wire_pagination import Paginator
from emulators.tiktok.world import World, seed_demo

ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
# The versions routes are served at: a path at another version of a served route is an invalid version.
SERVED_VERSIONS = ("202309", "202501", "202502", "202507")


class TikTokEmulatorConfig(PartnerApp):
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    world: WorldSettings = Field(default_factory=WorldSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    error_http_status: dict[int, int] = Field(
        default_factory=lambda: dict(DEFAULT_HTTP_STATUS),
        description="HTTP status per error code; others 200",
    )
    tick_seconds: float = Field(default=0.1, gt=0, description="how often time-based transitions are applied")
    seed: int | None = Field(default=None, description="makes ids, addresses and webhook chaos repeatable")
    demo: bool = Field(default=False, description="start with a demo seller, products and orders")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TikTokEmulatorConfig:
        """The app our own Settings describe, so our client and this emulator agree out of the box."""
        app = {
            "app_key": settings.tiktok.app_key,
            "app_secret": settings.tiktok.app_secret.get_secret_value(),
            "service_id": settings.tiktok.service_id,
            "redirect_url": settings.oauth_redirect_url,
        }
        return cls.model_validate({**app, **overrides})

    def http_status(self, code: int) -> int:
        return self.error_http_status.get(code, 200)


@dataclass
class SavedTikTok:
    """What a restart keeps: the world and its webhook deliveries. The gateway's rate windows, page tokens
    and fault rules are this run's; so are the app's credentials and webhook settings, from the config."""

    world: World
    deliveries: list[Delivery]


def create_app(config: TikTokEmulatorConfig, state_file: Path | None = None) -> FastAPI:
    """The emulator; with `state_file` it starts from the state saved there (if any) and keeps saving it."""
    pusher = WebhookPusher(config.app_key, config.app_secret, config.webhooks, config.seed)
    saved = saved_state.load(state_file, SavedTikTok)
    if saved is None:
        world = World(config.world, pusher.submit, config.seed)
        if config.demo:
            seed_demo(world)
    else:
        world = saved.world
        world.reconnect(pusher.submit)
        pusher.resume(saved.deliveries)
    limiter = RateLimiter(config.gateway.qps)
    gateway = Gateway(config.app_key, config.app_secret, world.catalog, world.auth, limiter)
    paginator = Paginator()
    faults = FaultInjector(seed=config.seed, hang_seconds=config.gateway.timeout_hang_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with saved_state.kept(state_file, lambda: SavedTikTok(world, pusher.deliveries)):
            await pusher.start()
            transitions = asyncio.create_task(world.run_transitions(config.tick_seconds))
            yield
            transitions.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await transitions  # re-raises here if the task died of a bug
            await pusher.stop()

    app = FastAPI(title="TikTok Shop emulator", lifespan=lifespan)
    _install_error_handlers(app, config)
    app.include_router(oauth_router(world, config))
    app.include_router(shop_router(world, gateway, paginator, lambda: pusher.settings))
    app.include_router(orders_router(world, gateway, paginator))
    app.include_router(aftersales_router(world, gateway, paginator))
    app.include_router(finance_router(world, gateway, paginator))
    app.include_router(admin_router(world, limiter, faults, pusher))

    def render_fault(kind: FaultKind) -> Response:
        code, message = FAULT_CODES[kind]
        return envelope(code, message, None, config.http_status(code))

    install_faults(app, faults, render_fault)

    @app.api_route("/{path:path}", methods=ALL_METHODS, include_in_schema=False)
    async def unknown_path(request: Request) -> JSONResponse:
        """Not served: a wrong method (36009010), an unknown version (36009014) or path (36009009)."""
        if _served(app, request.scope) == Match.PARTIAL:
            code, message = (
                Code.INVALID_METHOD,
                f"Invalid HTTP method {request.method} for {request.url.path}.",
            )
        elif any(
            _served(app, {**request.scope, "path": _at_version(request.url.path, version)}) != Match.NONE
            for version in SERVED_VERSIONS
        ):
            code, message = Code.INVALID_VERSION, "The version name is invalid, please check and retry."
        else:
            code, message = Code.INVALID_PATH, f"Invalid path: {request.url.path} is not an API."
        return envelope(code, message, None, config.http_status(code))

    return app


def _install_error_handlers(app: FastAPI, config: TikTokEmulatorConfig) -> None:
    """Open API errors become TikTok envelopes; admin errors stay plain FastAPI JSON (404, 409, 422)."""

    def is_admin(request: Request) -> bool:
        return request.url.path.startswith("/_admin")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        if is_admin(request):
            return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=409)
        return envelope(exc.code, exc.message, None, config.http_status(exc.code))

    @app.exception_handler(RequestValidationError)
    async def invalid_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        if is_admin(request):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return envelope(
            Code.INVALID_REQUEST,
            f"Invalid parameters. {problems}",
            None,
            config.http_status(Code.INVALID_REQUEST),
        )

    @app.exception_handler(UnknownObject)
    async def unknown_object(request: Request, exc: UnknownObject) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        """An emulator bug still answers in TikTok's format ; Starlette logs and re-raises it."""
        return envelope(Code.INTERNAL_ERROR, f"Internal error: {type(exc).__name__}.", None, 500)


def _served(app: FastAPI, scope: Scope) -> Match:
    """How well the best real route (not the catch-all) matches: FULL, PARTIAL (wrong method) or NONE."""
    best = Match.NONE
    for route in app.router.routes:
        if getattr(route, "path", None) == "/{path:path}":
            continue
        match, _ = route.matches(scope)
        if match.value > best.value:
            best = match
    return best


def _at_version(path: str, version: str) -> str:
    parts = path.split("/")
    if len(parts) > 2 and len(parts[2]) == 6 and parts[2].isdigit():
        parts[2] = version
    return "/".join(parts)
