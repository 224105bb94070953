"""Seller authorization: the authorize link, and token get/refresh on the auth host (reference §3).

The token endpoints are not HMAC-signed; the app secret travels in the query, so these URLs must never
be logged.
"""

from __future__ import annotations

from types import TracebackType
from urllib.parse import urlencode

import httpx

from creatorflow.config import TikTokSettings
from creatorflow.tiktok.envelope import send, unwrap
from creatorflow.tiktok.models import TokenGrant

TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"


class TikTokAuthClient:
    def __init__(self, settings: TikTokSettings, *, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.AsyncClient(
            base_url=settings.auth_base_url, timeout=settings.timeout_seconds
        )

    async def __aenter__(self) -> TikTokAuthClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    def authorize_url(self, state: str) -> str:
        """Where to send the seller to approve the app; TikTok redirects back with `code` and `state`."""
        query = urlencode({"service_id": self._settings.service_id, "state": state.strip()})
        return f"{self._settings.authorize_url}?{query}"

    async def get_token(self, auth_code: str) -> TokenGrant:
        """Exchange a single-use auth code (valid 30 minutes) for tokens."""
        return await self._token(TOKEN_GET_PATH, auth_code=auth_code, grant_type="authorized_code")

    async def refresh_token(self, refresh_token: str) -> TokenGrant:
        return await self._token(TOKEN_REFRESH_PATH, refresh_token=refresh_token, grant_type="refresh_token")

    async def _token(self, path: str, **params: str) -> TokenGrant:
        query = {
            "app_key": self._settings.app_key,
            "app_secret": self._settings.app_secret.get_secret_value(),
            **params,
        }
        request = self._http.build_request("GET", path, params=query)
        return unwrap(await send(self._http, request), TokenGrant)
