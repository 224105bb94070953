"""`Store`: every read and write of the app database, in one place, with short transactions.

Synchronous on purpose (SQLAlchemy sessions); async callers run these in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.crypto import Keyring
from creatorflow.store.tables import (
    Label,
    LabelStatus,
    OAuthState,
    OrderRecord,
    Shop,
    ShopStatus,
    ShopToken,
    SyncCursor,
    WebhookEvent,
    WebhookStatus,
    utcnow,
)
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


class Store:
    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self.engine = engine
        self._keyring = keyring

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

    # --- webhook inbox -------------------------------------------------------------------------

    def record_webhook(self, event: WebhookEvent) -> tuple[WebhookEvent, bool]:
        """Insert the event unless `(source, dedup_key)` is already there; says which happened."""
        with Session(self.engine) as session:
            session.add(event)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = session.exec(
                    select(WebhookEvent).where(
                        WebhookEvent.source == event.source, WebhookEvent.dedup_key == event.dedup_key
                    )
                ).one()
                return existing, False
            session.refresh(event)
            return event, True

    def mark_webhook(
        self, event_id: int, status: WebhookStatus, error: str = "", workflow_id: str | None = None
    ) -> None:
        with Session(self.engine) as session:
            row = session.get(WebhookEvent, event_id)
            if row is None:
                raise LookupError(f"webhook event {event_id}")
            row.status = status
            row.error = error
            if workflow_id is not None:
                row.workflow_id = workflow_id
            if status is WebhookStatus.FORWARDED:
                row.forwarded_at = utcnow()
            session.add(row)
            session.commit()

    def webhooks(self, status: WebhookStatus | None = None, limit: int = 500) -> list[WebhookEvent]:
        with Session(self.engine) as session:
            query = select(WebhookEvent).order_by(col(WebhookEvent.id)).limit(limit)
            if status is not None:
                query = query.where(WebhookEvent.status == status)
            return list(session.exec(query))

    # --- orders and labels ---------------------------------------------------------------------

    def upsert_order(self, record: OrderRecord) -> None:
        """Keep the projection of an order; an older TikTok update never overwrites a newer one."""
        with Session(self.engine) as session:
            current = session.get(OrderRecord, (record.shop_id, record.order_id))
            if current is None:
                session.add(record)
            else:
                if record.tiktok_update_time < current.tiktok_update_time:
                    record.tiktok_status = current.tiktok_status
                    record.tiktok_update_time = current.tiktok_update_time
                for name, value in record.model_dump(exclude={"shop_id", "order_id"}).items():
                    setattr(current, name, value)
                current.updated_at = utcnow()
                session.add(current)
            session.commit()

    def order(self, shop_id: str, order_id: str) -> OrderRecord | None:
        with Session(self.engine) as session:
            return session.get(OrderRecord, (shop_id, order_id))

    def orders(self, shop_id: str | None = None, state: str | None = None) -> list[OrderRecord]:
        with Session(self.engine) as session:
            query = select(OrderRecord).order_by(col(OrderRecord.order_id))
            if shop_id is not None:
                query = query.where(OrderRecord.shop_id == shop_id)
            if state is not None:
                query = query.where(OrderRecord.state == state)
            return list(session.exec(query))

    def save_label(self, label: Label) -> Label:
        """Record a bought label; for a key already recorded, the first record wins and is returned."""
        with Session(self.engine) as session:
            session.add(label)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return session.exec(select(Label).where(Label.idempotency_key == label.idempotency_key)).one()
            session.refresh(label)
            return label

    def label_by_tracking(self, tracking_number: str) -> Label | None:
        """The newest label with this tracking number (carrier webhooks name only the number)."""
        with Session(self.engine) as session:
            query = (
                select(Label).where(Label.tracking_number == tracking_number).order_by(col(Label.id).desc())
            )
            return session.exec(query).first()

    def labels(self, shop_id: str | None = None, order_id: str | None = None) -> list[Label]:
        with Session(self.engine) as session:
            query = select(Label).order_by(col(Label.id))
            if shop_id is not None:
                query = query.where(Label.shop_id == shop_id)
            if order_id is not None:
                query = query.where(Label.order_id == order_id)
            return list(session.exec(query))

    def set_label_status(self, idempotency_key: str, status: LabelStatus) -> Label:
        with Session(self.engine) as session:
            label = session.exec(select(Label).where(Label.idempotency_key == idempotency_key)).one()
            label.status = status
            session.add(label)
            session.commit()
            session.refresh(label)
            return label

    # --- reconciliation cursors ----------------------------------------------------------------

    def sync_cursor(self, shop_id: str, name: str) -> int | None:
        with Session(self.engine) as session:
            row = session.get(SyncCursor, (shop_id, name))
            return row.value if row else None

    def advance_sync_cursor(self, shop_id: str, name: str, value: int) -> int:
        """Move the cursor forward to `value` (never back: passes may overlap); returns where it is."""
        with Session(self.engine) as session:
            row = session.get(SyncCursor, (shop_id, name))
            if row is None:
                row = SyncCursor(shop_id=shop_id, name=name, value=value)
            elif value > row.value:
                row.value = value
                row.updated_at = utcnow()
            else:
                return row.value
            session.add(row)
            session.commit()
            return value
