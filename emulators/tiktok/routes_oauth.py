"""Seller authorization (reference §3): the authorize page and the token endpoints, on the emulator's host.

- `GET /open/authorize?service_id=…&state=…` shows the sellers to authorize as, with Authorize and Deny
  buttons. Automation can skip the page: add `seller_id=…&decision=approve|deny` and get the redirect at once.
  Either way the browser is sent (302) to the app's redirect URL with `?code=…&state=…`, or with
  `?code=null&error=auth_denied&state=…` when the seller says no. An unknown service_id is a 400 page.
- `GET /api/v2/token/get` and `GET /api/v2/token/refresh`: unsigned, the app secret in the query.

Token endpoint errors (TikTok documents none, see `wire_errors`): a wrong `app_key` or `app_secret` and a
wrong `grant_type` are 36009004; an unknown, used or expired auth code or refresh token is 36004005 ("can not
find related auth record"); an expired authorization is 36004001 ("rt has expired").
"""

from __future__ import annotations

import html
from typing import Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from emulators.tiktok.settings import PartnerApp
from emulators.tiktok.wire_envelope import ok
from emulators.tiktok.wire_errors import UnknownObject, invalid_request
from emulators.tiktok.world import World

Decision = Literal["approve", "deny"]
DECISION_PATH = "/open/authorize/decision"


def oauth_router(world: World, app: PartnerApp) -> APIRouter:
    router = APIRouter()

    def check_app(app_key: str, app_secret: str) -> None:
        if app_key != app.app_key:
            raise invalid_request("Invalid credentials. Invalid 'app_key' query parameter.")
        if app_secret != app.app_secret:
            raise invalid_request("Invalid credentials. Invalid 'app_secret' query parameter.")

    def check_grant(given: str, expected: str) -> None:
        if given != expected:
            raise invalid_request(f"Invalid grant_type {given!r}: this endpoint accepts only {expected!r}.")

    def decide(service_id: str, state: str | None, seller_id: str | None, decision: Decision) -> Response:
        if service_id != app.service_id:
            return _page("Unknown app", f"No app has service_id {html.escape(service_id)}.", status=400)
        if decision == "deny":
            return _redirect(app.redirect_url, {"code": "null", "error": "auth_denied", "state": state})
        try:
            code = world.auth.issue_code(seller_id or "")
        except UnknownObject:
            return _page("Unknown seller", f"No seller has id {html.escape(seller_id or '')}.", status=400)
        return _redirect(app.redirect_url, {"code": code, "state": state})

    @router.get("/open/authorize", response_model=None)
    async def authorize(
        service_id: str,
        state: str | None = None,
        seller_id: str | None = None,
        decision: Decision | None = None,
    ) -> Response:
        if decision is not None or service_id != app.service_id:
            return decide(service_id, state, seller_id, decision or "deny")
        return _page("Authorize app", _seller_choices(world, service_id, state))

    @router.post(DECISION_PATH, response_model=None)
    async def authorize_decision(request: Request) -> Response:
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
        decision: Decision = "approve" if form.get("decision") == "approve" else "deny"
        return decide(form.get("service_id", ""), form.get("state"), form.get("seller_id"), decision)

    @router.get("/api/v2/token/get")
    async def get_token(app_key: str, app_secret: str, auth_code: str, grant_type: str) -> JSONResponse:
        check_app(app_key, app_secret)
        check_grant(grant_type, "authorized_code")
        return ok(world.auth.exchange_code(auth_code))

    @router.get("/api/v2/token/refresh")
    async def refresh_token(
        app_key: str, app_secret: str, refresh_token: str, grant_type: str
    ) -> JSONResponse:
        check_app(app_key, app_secret)
        check_grant(grant_type, "refresh_token")
        return ok(world.auth.refresh(refresh_token))

    return router


def _redirect(redirect_url: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({key: value for key, value in params.items() if value is not None})
    separator = "&" if "?" in redirect_url else "?"
    return RedirectResponse(f"{redirect_url}{separator}{query}", status_code=302)


def _seller_choices(world: World, service_id: str, state: str | None) -> str:
    if not world.catalog.sellers:
        return "<p>No sellers yet. Create one with <code>POST /_admin/sellers</code>.</p>"
    rows = []
    for seller in world.catalog.sellers.values():
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in (("service_id", service_id), ("state", state or ""), ("seller_id", seller.id))
            if value
        )
        shops = ", ".join(html.escape(shop.name) for shop in world.catalog.shops_of(seller.id))
        rows.append(
            f'<li><form method="post" action="{DECISION_PATH}">{hidden}<b>{html.escape(seller.name)}</b> '
            f"({html.escape(seller.base_region)}; shops: {shops}) "
            '<button name="decision" value="approve">Authorize</button> '
            '<button name="decision" value="deny">Deny</button></form></li>'
        )
    return f"<p>Log in as a seller to authorize this app:</p><ul>{''.join(rows)}</ul>"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><title>{title} - TikTok Shop (emulator)</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>",
        status_code=status,
    )
