"""What TikTok's API gateway checks on every Open API call, in this order, before a handler runs (§2, §9).

1. `sign` present, else 36009004.
2. `app_key` known, else 36009004 "Invalid credentials. Invalid 'app_key' query parameter."
3. `timestamp` within [now - 300 s, now + 30 s] of REAL time (clients sign with a real clock), else 36009004.
4. `sign` = HMAC-SHA256 per §2.1 (creatorflow.tiktok.signing), else 106001.
5. A body is `application/json` (or multipart), else 36009022.
6. Header `x-tts-access-token` names a live token: unknown 36009004, expired (by the world clock) 105002.
7. `shop_cipher`: required on shop-scoped APIs (106013), refused on /authorization/* and /seller/* (36009004
   "Unexpected identifier"), and must name a shop the token's seller owns (101000).
8. The rate limit: a token bucket per (app, shop, API path template), `qps` deep, refilled `qps` per second;
   an empty bucket is HTTP 429, code 36009002.

Array query values are one comma-separated value (`ids=a,b`, as the docs show); repeating a key is refused
(36009004), since how TikTok signs repeated keys is unverified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request

from creatorflow.tiktok.signing import sign_request, signatures_match
from emulators.tiktok.wire_errors import ApiError, Code, invalid_request
from emulators.tiktok.wire_models import Seller, Shop
from emulators.tiktok.world_authorizations import Authorizations
from emulators.tiktok.world_catalog import Catalog

TIMESTAMP_PAST_SECONDS = 300
TIMESTAMP_FUTURE_SECONDS = 30


@dataclass(frozen=True)
class SellerCall:
    """A verified call on behalf of a seller (no shop: /authorization/*, /seller/*)."""

    seller: Seller


@dataclass(frozen=True)
class ShopCall(SellerCall):
    """A verified call on behalf of one of the seller's shops."""

    shop: Shop


class RateLimiter:
    """Token buckets keyed by (app, shop, API); real time, since throttling is about real load."""

    def __init__(self, qps: float) -> None:
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}  # key -> (tokens, last refill)
        self.qps = qps

    def set_qps(self, qps: float) -> None:
        self.qps = qps
        self._buckets.clear()

    def allow(self, key: tuple[str, str, str]) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.qps, now))
        tokens = min(self.qps, tokens + (now - last) * self.qps)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed


class Gateway:
    """The two FastAPI dependencies every Open API route uses: `seller_call` and `shop_call`."""

    def __init__(
        self, app_key: str, app_secret: str, catalog: Catalog, auth: Authorizations, limiter: RateLimiter
    ) -> None:
        self._app_key = app_key
        self._app_secret = app_secret
        self._catalog = catalog
        self._auth = auth
        self.limiter = limiter

    async def seller_call(self, request: Request) -> SellerCall:
        seller = await self._verify(request)
        if "shop_cipher" in request.query_params:
            raise invalid_request("Unexpected identifier: shop_cipher is not allowed on this API.")
        self._throttle(request, seller.id)
        return SellerCall(seller=seller)

    async def shop_call(self, request: Request) -> ShopCall:
        seller = await self._verify(request)
        cipher = request.query_params.get("shop_cipher")
        if not cipher:
            raise ApiError(
                Code.MISSING_SHOP_CIPHER, "Missing shop_cipher: this API needs the shop_cipher parameter."
            )
        shop = self._catalog.shop_by_cipher(cipher)
        if shop is None or shop.seller_id != seller.id:
            raise ApiError(
                Code.TOKEN_NOT_FOR_SHOP,
                "Invalid x-tts-access-token: the token grants no access to the shop of this shop_cipher.",
            )
        self._throttle(request, shop.id)
        return ShopCall(seller=seller, shop=shop)

    async def _verify(self, request: Request) -> Seller:
        query = self._single_valued_query(request)
        if not query.get("sign"):
            raise invalid_request("Invalid credentials. Missing 'sign' query parameter.")
        if query.get("app_key") != self._app_key:
            raise invalid_request("Invalid credentials. Invalid 'app_key' query parameter.")
        self._check_timestamp(query.get("timestamp"))
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        expected = sign_request(self._app_secret, request.url.path, query, body, content_type)
        if not signatures_match(expected, query["sign"]):
            raise ApiError(Code.INVALID_SIGN, "Invalid sign: the signature does not match the request.")
        media_type = content_type.split(";")[0].strip().lower()
        if body and media_type not in ("application/json", "multipart/form-data"):
            raise ApiError(
                Code.INVALID_CONTENT_TYPE, "The body must be application/json or multipart/form-data."
            )
        token = self._auth.resolve(request.headers.get("x-tts-access-token"))
        return self._catalog.seller(token.seller_id)

    @staticmethod
    def _single_valued_query(request: Request) -> dict[str, str]:
        pairs = request.query_params.multi_items()
        repeated = sorted({key for key, _ in pairs if len(request.query_params.getlist(key)) > 1})
        if repeated:
            raise invalid_request(
                f"Repeated query parameter {repeated}: send arrays as one comma-separated value."
            )
        return dict(pairs)

    @staticmethod
    def _check_timestamp(raw: str | None) -> None:
        try:
            timestamp = int(raw or "")
        except ValueError:
            timestamp = -1
        now = int(time.time())
        if not now - TIMESTAMP_PAST_SECONDS <= timestamp <= now + TIMESTAMP_FUTURE_SECONDS:
            raise invalid_request(
                f"Invalid timestamp {raw!r}: it must be Unix seconds at most {TIMESTAMP_PAST_SECONDS} s old "
                f"and at most {TIMESTAMP_FUTURE_SECONDS} s ahead."
            )

    def _throttle(self, request: Request, scope_id: str) -> None:
        route = request.scope.get("route")
        template = getattr(route, "path", request.url.path)
        if not self.limiter.allow((self._app_key, scope_id, template)):
            raise ApiError(
                Code.TOO_MANY_REQUESTS, f"Too many requests: over {self.limiter.qps:g} QPS on {template}."
            )
