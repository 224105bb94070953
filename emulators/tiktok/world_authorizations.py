"""Seller authorizations: auth codes, access tokens and refresh tokens (reference §3).

- An auth code is single-use and lives 30 minutes.
- An access token lives 7 days; `access_token_expire_in` is the absolute time it dies, not a duration.
- The refresh token lives as long as the seller's authorization. Whether refreshing rotates it is a setting
  (`rotate_refresh_token`, default off: the reference leaves it UNVERIFIED). Refreshing leaves earlier access
  tokens valid until they expire.
- Re-authorizing replaces the seller's earlier authorization; deauthorizing revokes every token of the seller.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulators.tiktok.webhook_events import (
    SellerDeauthorization,
    UpcomingAuthorizationExpiration,
)
from emulators.tiktok.wire_errors import ApiError, Code, Conflict, UnknownObject
from emulators.tiktok.wire_models import Seller
from emulators.tiktok.wire_schemas import TokenData
from emulators.tiktok.world_catalog import Catalog
from emulators.tiktok.world_context import WorldContext, WorldPart

GRANTED_SCOPES = [
    "seller.authorization.info",
    "seller.shop.info",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.product.basic",
    "seller.return_refund.basic",
    "seller.finance.info",
]
INVALID_TOKEN_MESSAGE = "Invalid credentials. Invalid 'x-tts-access-token' header."


@dataclass
class _AuthCode:
    seller_id: str
    expires_at: int
    used: bool = False


@dataclass
class _Grant:
    """One seller's authorization of the app; it ends when the refresh token does."""

    seller_id: str
    refresh_token: str
    expires_at: int


@dataclass
class AccessToken:
    token: str
    seller_id: str
    expires_at: int


class Authorizations(WorldPart):
    def __init__(self, context: WorldContext, catalog: Catalog) -> None:
        super().__init__(context)
        self._catalog = catalog
        self._codes: dict[str, _AuthCode] = {}
        self._grants: dict[str, _Grant] = {}  # by seller id
        self._tokens: dict[str, AccessToken] = {}

    def issue_code(self, seller_id: str) -> str:
        """What the seller's "Authorize" click produces: a code the app exchanges for tokens."""
        self._catalog.seller(seller_id)
        code = self._ids.opaque("", 48)
        self._codes[code] = _AuthCode(seller_id, self._clock.now() + self._settings.auth_code_ttl_seconds)
        return code

    def exchange_code(self, code: str) -> TokenData:
        entry = self._codes.get(code)
        if entry is None:
            raise ApiError(Code.AUTH_RECORD_NOT_FOUND, "can not find related auth record: unknown auth_code.")
        if entry.used:
            raise ApiError(
                Code.AUTH_RECORD_NOT_FOUND, "can not find related auth record: auth_code already used."
            )
        if self._clock.now() >= entry.expires_at:
            raise ApiError(
                Code.AUTH_RECORD_NOT_FOUND, "can not find related auth record: auth_code has expired."
            )
        entry.used = True
        return self.authorize(entry.seller_id)

    def authorize(self, seller_id: str) -> TokenData:
        """A fresh authorization with new tokens (the admin API uses this to skip the browser step)."""
        seller = self._catalog.seller(seller_id)
        grant = _Grant(
            seller_id=seller_id,
            refresh_token=self._new_token(seller),
            expires_at=self._clock.now() + self._settings.refresh_token_ttl_seconds,
        )
        self._grants[seller_id] = grant
        return self._issue_access_token(seller, grant)

    def refresh(self, refresh_token: str) -> TokenData:
        grant = next((g for g in self._grants.values() if g.refresh_token == refresh_token), None)
        if grant is None:
            raise ApiError(
                Code.AUTH_RECORD_NOT_FOUND, "can not find related auth record: unknown refresh_token."
            )
        if self._clock.now() >= grant.expires_at:
            raise ApiError(
                Code.REFRESH_TOKEN_EXPIRED, "rt has expired: the seller must authorize the app again."
            )
        seller = self._catalog.seller(grant.seller_id)
        if self._settings.rotate_refresh_token:
            grant.refresh_token = self._new_token(seller)
        return self._issue_access_token(seller, grant)

    def resolve(self, token: str | None) -> AccessToken:
        """The access token behind an `x-tts-access-token` header, if it is known and still alive."""
        access = self._tokens.get(token or "")
        if access is None:
            raise ApiError(Code.INVALID_REQUEST, INVALID_TOKEN_MESSAGE)
        if self._clock.now() >= access.expires_at:
            raise ApiError(
                Code.EXPIRED_CREDENTIALS, "Expired credentials. The access token has expired; refresh it."
            )
        return access

    def expire(self, token: str) -> None:
        if token not in self._tokens:
            raise UnknownObject(f"no access token {token}")
        self._tokens[token].expires_at = self._clock.now()

    def deauthorize(self, seller_id: str) -> None:
        """The seller revokes the app in Seller Center: every token dies and each shop gets a type-6 push."""
        self._grants.pop(seller_id, None)
        self._tokens = {t: a for t, a in self._tokens.items() if a.seller_id != seller_id}
        for shop in self._catalog.shops_of(seller_id):
            message = f"Shop_id {shop.id} is deauthorized from your APP by merchant."
            self._publisher.publish(shop, SellerDeauthorization(message=message))

    def warn_expiry(self, seller_id: str) -> int:
        """Push type 7 to each of the seller's shops, as TikTok does daily from 30 days before expiry."""
        grant = self._grants.get(seller_id)
        if grant is None:
            raise Conflict(f"seller {seller_id} has not authorized the app")
        for shop in self._catalog.shops_of(seller_id):
            message = f"The authorization of shop {shop.id} expires soon. Ask the seller to authorize again."
            self._publisher.publish(
                shop, UpcomingAuthorizationExpiration(message=message, expiration_time=str(grant.expires_at))
            )
        return grant.expires_at

    def _issue_access_token(self, seller: Seller, grant: _Grant) -> TokenData:
        access = AccessToken(
            token=self._new_token(seller),
            seller_id=seller.id,
            expires_at=self._clock.now() + self._settings.access_token_ttl_seconds,
        )
        self._tokens[access.token] = access
        return TokenData(
            access_token=access.token,
            access_token_expire_in=access.expires_at,
            refresh_token=grant.refresh_token,
            refresh_token_expire_in=grant.expires_at,
            open_id=seller.open_id,
            seller_name=seller.name,
            seller_base_region=seller.base_region,
            user_type=seller.user_type,
            granted_scopes=GRANTED_SCOPES,
        )

    def _new_token(self, seller: Seller) -> str:
        """US tokens look like `TTP_…`, the rest of the world's like `ROW_…` (§3.2 samples)."""
        return self._ids.opaque("TTP_" if seller.base_region == "US" else "ROW_", 46)
