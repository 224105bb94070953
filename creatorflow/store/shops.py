"""Shops a seller connected, their encrypted OAuth tokens, and the single-use `state`s of the connect flow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from creatorflow.crypto import Keyring
from creatorflow.shops import PaymentHold
from creatorflow.store.repository import Repository
from creatorflow.store.tables import OAuthState, Shop, ShopPaymentHoldRow, ShopStatus, ShopToken, utcnow
from creatorflow.tiktok.models import AuthorizedShop, ShopCredentials, TokenGrant


class ShopNotFoundError(LookupError):
    pass


class StateCheck(StrEnum):
    """The outcome of presenting an OAuth `state`: only VALID lets the callback go on."""

    VALID = "VALID"
    UNKNOWN = "UNKNOWN"
    USED = "USED"
    EXPIRED = "EXPIRED"


class StoredTokens(BaseModel):
    """Decrypted tokens of one shop; never log or return this from a workflow."""

    shop_id: str
    cipher: str
    access_token: str = Field(repr=False)
    access_expires_at: datetime
    refresh_token: str = Field(repr=False)
    refresh_expires_at: datetime

    def credentials(self) -> ShopCredentials:
        return ShopCredentials(shop_id=self.shop_id, cipher=self.cipher, access_token=self.access_token)


class ShopRepository(Repository):
    """Tokens are encrypted with the shop id as associated data, so a token row copied onto another shop
    does not decrypt."""

    _keyring: Keyring

    # --- shops and tokens ----------------------------------------------------------------------

    def save_authorized_shops(self, shops: Sequence[AuthorizedShop], grant: TokenGrant) -> list[Shop]:
        """Store (or re-activate) each shop a seller authorized, with the grant's tokens for each."""
        saved: list[Shop] = []
        with Session(self.engine) as session:
            for authorized in shops:
                shop = session.get(Shop, authorized.id) or Shop(
                    shop_id=authorized.id, cipher=authorized.cipher
                )
                shop.name = authorized.name
                shop.region = authorized.region
                shop.seller_type = authorized.seller_type
                shop.cipher = authorized.cipher
                shop.code = authorized.code
                shop.seller_name = grant.seller_name
                shop.open_id = grant.open_id
                shop.status = ShopStatus.ACTIVE
                shop.updated_at = utcnow()
                session.add(shop)
                session.flush()
                self._put_tokens(session, shop.shop_id, grant)
                saved.append(shop)
            session.commit()
            for shop in saved:
                session.refresh(shop)
        return saved

    def save_tokens(self, shop_id: str, grant: TokenGrant) -> None:
        with Session(self.engine) as session:
            if session.get(Shop, shop_id) is None:
                raise ShopNotFoundError(shop_id)
            self._put_tokens(session, shop_id, grant)
            session.commit()

    def _put_tokens(self, session: Session, shop_id: str, grant: TokenGrant) -> None:
        aad = shop_id.encode()
        row = session.get(ShopToken, shop_id) or ShopToken(
            shop_id=shop_id,
            access_token=b"",
            access_expires_at=grant.access_token_expires_at,
            refresh_token=b"",
            refresh_expires_at=grant.refresh_token_expires_at,
        )
        row.access_token = self._keyring.encrypt(grant.access_token.encode(), aad)
        row.access_expires_at = grant.access_token_expires_at
        row.refresh_token = self._keyring.encrypt(grant.refresh_token.encode(), aad)
        row.refresh_expires_at = grant.refresh_token_expires_at
        row.updated_at = utcnow()
        session.add(row)

    def tokens(self, shop_id: str) -> StoredTokens:
        with Session(self.engine) as session:
            shop = session.get(Shop, shop_id)
            row = session.get(ShopToken, shop_id)
            if shop is None or row is None:
                raise ShopNotFoundError(shop_id)
            aad = shop_id.encode()
            return StoredTokens(
                shop_id=shop_id,
                cipher=shop.cipher,
                access_token=self._keyring.decrypt(row.access_token, aad).decode(),
                access_expires_at=row.access_expires_at,
                refresh_token=self._keyring.decrypt(row.refresh_token, aad).decode(),
                refresh_expires_at=row.refresh_expires_at,
            )

    def shop(self, shop_id: str) -> Shop:
        with Session(self.engine) as session:
            shop = session.get(Shop, shop_id)
            if shop is None:
                raise ShopNotFoundError(shop_id)
            return shop

    def payment_hold(self, shop_id: str) -> PaymentHold:
        with Session(self.engine) as session:
            row = session.get(ShopPaymentHoldRow, shop_id)
        return PaymentHold(hold=timedelta(seconds=row.seconds)) if row else PaymentHold()

    def set_payment_hold(self, shop_id: str, hold: PaymentHold) -> None:
        """Applies to orders first seen paid from now on; one already waiting keeps the hold it read."""
        with Session(self.engine) as session:
            row = session.get(ShopPaymentHoldRow, shop_id) or ShopPaymentHoldRow(shop_id=shop_id, seconds=0)
            row.seconds = int(hold.hold.total_seconds())
            row.updated_at = utcnow()
            session.add(row)
            session.commit()

    def shop_statuses(self, shop_ids: list[str]) -> list[ShopStatus | None]:
        """Each shop's status, None for a shop never connected: one query for many (the forwarder's)."""
        with Session(self.engine) as session:
            query = select(Shop.shop_id, Shop.status).where(col(Shop.shop_id).in_(set(shop_ids)))
            found = {shop_id: ShopStatus(status) for shop_id, status in session.exec(query)}
        return [found.get(shop_id) for shop_id in shop_ids]

    def shops(self, status: ShopStatus | None = None) -> list[Shop]:
        with Session(self.engine) as session:
            query = select(Shop).order_by(col(Shop.shop_id))
            if status is not None:
                query = query.where(Shop.status == status)
            return list(session.exec(query))

    def set_shop_status(
        self, shop_id: str, status: ShopStatus, authorization_expires_at: datetime | None = None
    ) -> None:
        with Session(self.engine) as session:
            shop = session.get(Shop, shop_id)
            if shop is None:
                raise ShopNotFoundError(shop_id)
            shop.status = status
            if authorization_expires_at is not None:
                shop.authorization_expires_at = authorization_expires_at
            shop.updated_at = utcnow()
            session.add(shop)
            session.commit()

    # --- OAuth states ---------------------------------------------------------------------------

    def add_oauth_state(self, state_hash: str, expires_at: datetime, forget_before: datetime) -> None:
        """Keep a new state; states that expired before `forget_before` are dropped on the way, so
        clicks on "connect" never pile up."""
        with Session(self.engine) as session:
            session.execute(delete(OAuthState).where(col(OAuthState.expires_at) < forget_before))
            session.add(OAuthState(state_hash=state_hash, expires_at=expires_at))
            session.commit()

    def use_oauth_state(self, state_hash: str, now: datetime) -> StateCheck:
        """Mark the state used if it is known, unused and unexpired, in one statement, so two callbacks
        racing with the same state (on any number of API replicas) cannot both get VALID."""
        claim = (
            update(OAuthState)
            .where(
                col(OAuthState.state_hash) == state_hash,
                col(OAuthState.used_at).is_(None),
                col(OAuthState.expires_at) > now,
            )
            .values(used_at=now)
        )
        with Session(self.engine) as session:
            claimed: int = session.execute(claim).rowcount  # type: ignore[attr-defined]
            session.commit()
            if claimed == 1:
                return StateCheck.VALID
            row = session.get(OAuthState, state_hash)
        if row is None:
            return StateCheck.UNKNOWN
        return StateCheck.USED if row.used_at is not None else StateCheck.EXPIRED
