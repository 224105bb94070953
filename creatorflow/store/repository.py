"""`Store`: every read and write of the app database, in one place, with short transactions.

Synchronous on purpose (SQLAlchemy sessions); async callers run these in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.crypto import Keyring
from creatorflow.inventory import Reservation, StockLevel
from creatorflow.store.tables import (
    CatalogSku,
    Label,
    LabelStatus,
    OAuthState,
    OrderRecord,
    ReservationStatus,
    ReturnRecord,
    Shop,
    ShopStatus,
    ShopToken,
    StockDeactivation,
    StockReservation,
    SyncCursor,
    WebhookEvent,
    WebhookStatus,
    utcnow,
)
from creatorflow.tiktok.models import AuthorizedShop, Product, ProductStatus, ShopCredentials, TokenGrant

# (from, to) -> how reserved and on_hand move, per unit.
_STOCK_MOVES = {
    (ReservationStatus.RESERVED, ReservationStatus.SHIPPED): (-1, -1),  # left the shelf
    (ReservationStatus.RESERVED, ReservationStatus.RELEASED): (-1, 0),  # cancelled before packing
    (ReservationStatus.SHIPPED, ReservationStatus.RELEASED): (0, +1),  # never left, or returned
}


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

    def order_states(self, shop_id: str) -> dict[str, int]:
        """How many of the shop's orders are in each state: one cheap query, for watching progress."""
        with Session(self.engine) as session:
            query = (
                select(OrderRecord.state, func.count())
                .where(OrderRecord.shop_id == shop_id)
                .group_by(col(OrderRecord.state))
            )
            return {state: count for state, count in session.exec(query)}

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

    # --- return analytics ----------------------------------------------------------------------

    def upsert_return(self, record: ReturnRecord) -> None:
        """Keep one row per return request; fields a later update leaves empty keep their value."""
        with Session(self.engine) as session:
            current = session.get(ReturnRecord, record.return_id)
            if current is None:
                session.add(record)
            else:
                for name, value in record.model_dump(exclude={"return_id"}, exclude_none=True).items():
                    if value != "":
                        setattr(current, name, value)
                current.updated_at = utcnow()
                session.add(current)
            session.commit()

    def returns(self, shop_id: str | None = None) -> list[ReturnRecord]:
        with Session(self.engine) as session:
            query = select(ReturnRecord).order_by(col(ReturnRecord.requested_at))
            if shop_id is not None:
                query = query.where(ReturnRecord.shop_id == shop_id)
            return list(session.exec(query))

    # --- catalog and stock ---------------------------------------------------------------------

    def sync_catalog(self, shop_id: str, products: Sequence[Product]) -> int:
        """Upsert every SKU TikTok lists. A new SKU starts with TikTok's quantity on hand; after that our
        `on_hand` is the truth and TikTok's quantity is only remembered (the push corrects any drift). A
        product we took off sale that TikTok now shows in any other status (the seller put it back, or
        TikTok froze it) is no longer ours to put back."""
        count = 0
        with Session(self.engine) as session:
            for product in products:
                for sku in product.skus:
                    quantity = sum(stock.quantity for stock in sku.inventory)
                    row = session.get(CatalogSku, (shop_id, sku.id)) or CatalogSku(
                        shop_id=shop_id, sku_id=sku.id, product_id=product.id, on_hand=quantity
                    )
                    row.product_id = product.id
                    row.title = product.title
                    row.product_status = product.status
                    row.seller_sku = sku.seller_sku
                    row.warehouse_id = sku.inventory[0].warehouse_id if sku.inventory else ""
                    row.tiktok_quantity = quantity
                    row.updated_at = utcnow()
                    session.add(row)
                    count += 1
            _drop_stock_deactivations(
                session, shop_id, [p.id for p in products if p.status != ProductStatus.SELLER_DEACTIVATED]
            )
            session.commit()
        return count

    def stock_levels(self, shop_id: str | None = None) -> list[StockLevel]:
        with Session(self.engine) as session:
            query = select(CatalogSku).order_by(col(CatalogSku.shop_id), col(CatalogSku.seller_sku))
            flags = select(StockDeactivation)
            if shop_id is not None:
                query = query.where(CatalogSku.shop_id == shop_id)
                flags = flags.where(StockDeactivation.shop_id == shop_id)
            ours = {(flag.shop_id, flag.product_id) for flag in session.exec(flags)}
            return [
                StockLevel.model_validate(
                    {
                        **row.model_dump(),
                        "active": row.product_status == ProductStatus.ACTIVATE,
                        "stock_deactivated": row.product_status == ProductStatus.SELLER_DEACTIVATED
                        and (row.shop_id, row.product_id) in ours,
                    }
                )
                for row in session.exec(query)
            ]

    def set_on_hand(self, shop_id: str, sku_id: str, on_hand: int) -> StockLevel:
        """An operator's count of the shelf (units not yet shipped, reserved ones included)."""
        if on_hand < 0:
            raise ValueError(f"on-hand stock cannot be negative, got {on_hand}")
        with Session(self.engine) as session:
            row = session.get(CatalogSku, (shop_id, sku_id))
            if row is None:
                raise LookupError(f"shop {shop_id} has no SKU {sku_id} in the synced catalog")
            row.on_hand = on_hand
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        [level] = [level for level in self.stock_levels(shop_id) if level.sku_id == sku_id]
        return level

    def set_tiktok_quantity(self, shop_id: str, sku_id: str, quantity: int) -> None:
        with Session(self.engine) as session:
            row = session.get(CatalogSku, (shop_id, sku_id))
            if row is not None:
                row.tiktok_quantity = quantity
                session.add(row)
                session.commit()

    def flag_stock_deactivation(self, shop_id: str, product_ids: Sequence[str]) -> None:
        """Note, before asking TikTok, that we are taking these products off sale for want of stock."""
        with Session(self.engine) as session:
            for product_id in product_ids:
                if session.get(StockDeactivation, (shop_id, product_id)) is None:
                    session.add(StockDeactivation(shop_id=shop_id, product_id=product_id))
            session.commit()

    def unflag_stock_deactivation(self, shop_id: str, product_ids: Sequence[str]) -> None:
        """TikTok refused to take these off sale: the mark must not make a later pause look like ours."""
        with Session(self.engine) as session:
            _drop_stock_deactivations(session, shop_id, product_ids)
            session.commit()

    def set_product_status(self, shop_id: str, product_ids: Sequence[str], status: ProductStatus) -> None:
        """What TikTok answered to our Activate or Deactivate call, so the next push plans from it without
        waiting for a sync; a product no longer SELLER_DEACTIVATED is no longer ours to activate."""
        with Session(self.engine) as session:
            session.execute(
                update(CatalogSku)
                .where(col(CatalogSku.shop_id) == shop_id, col(CatalogSku.product_id).in_(product_ids))
                .values(product_status=status, updated_at=utcnow())
            )
            if status != ProductStatus.SELLER_DEACTIVATED:
                _drop_stock_deactivations(session, shop_id, product_ids)
            session.commit()

    def reserve_stock(self, shop_id: str, order_id: str, items: Sequence[tuple[str, int]]) -> Reservation:
        """Hold stock for a paid order, all SKUs or none. Idempotent by order id; SKUs not in the synced
        catalog are not tracked and always succeed. Safe under concurrent orders: each SKU is taken with
        one conditional UPDATE (`on_hand - reserved >= quantity`)."""
        with Session(self.engine) as session:
            existing = session.exec(
                select(StockReservation).where(
                    StockReservation.shop_id == shop_id, StockReservation.order_id == order_id
                )
            ).first()
            if existing is not None:
                return Reservation(reserved=existing.status is not ReservationStatus.RELEASED)
            connection = session.connection()
            short = []
            for sku_id, quantity in items:
                if session.get(CatalogSku, (shop_id, sku_id)) is None:
                    continue
                session.add(
                    StockReservation(shop_id=shop_id, order_id=order_id, sku_id=sku_id, quantity=quantity)
                )
                try:
                    session.flush()
                except IntegrityError:  # the same order, reserving at this very moment elsewhere
                    session.rollback()
                    return self.reserve_stock(shop_id, order_id, items)
                taken = connection.execute(
                    update(CatalogSku)
                    .where(
                        col(CatalogSku.shop_id) == shop_id,
                        col(CatalogSku.sku_id) == sku_id,
                        col(CatalogSku.on_hand) - col(CatalogSku.reserved) >= quantity,
                    )
                    .values(reserved=col(CatalogSku.reserved) + quantity)
                )
                if taken.rowcount != 1:
                    short.append(sku_id)
            if short:
                session.rollback()
                return Reservation(reserved=False, short=short)
            session.commit()
            return Reservation(reserved=True)

    def settle_reservation(self, shop_id: str, order_id: str, status: ReservationStatus) -> bool:
        """Move an order's stock once: RESERVED -> SHIPPED takes it off the shelf; RESERVED or SHIPPED ->
        RELEASED (a cancelled order's package never left, or a return came back) puts it back."""
        sources = [source for source, target in _STOCK_MOVES if target is status]
        changed = False
        with Session(self.engine) as session:
            connection = session.connection()
            rows = session.exec(
                select(StockReservation).where(
                    StockReservation.shop_id == shop_id,
                    StockReservation.order_id == order_id,
                    col(StockReservation.status).in_(sources),
                )
            ).all()
            for row in rows:
                moved = connection.execute(
                    update(StockReservation)
                    .where(
                        col(StockReservation.shop_id) == shop_id,
                        col(StockReservation.order_id) == order_id,
                        col(StockReservation.sku_id) == row.sku_id,
                        col(StockReservation.status) == row.status,
                    )
                    .values(status=status, updated_at=utcnow())
                )
                if moved.rowcount != 1:
                    continue  # settled concurrently
                held, shelf = _STOCK_MOVES[(row.status, status)]
                connection.execute(
                    update(CatalogSku)
                    .where(col(CatalogSku.shop_id) == shop_id, col(CatalogSku.sku_id) == row.sku_id)
                    .values(
                        reserved=col(CatalogSku.reserved) + held * row.quantity,
                        on_hand=col(CatalogSku.on_hand) + shelf * row.quantity,
                    )
                )
                changed = True
            session.commit()
        return changed

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


def _drop_stock_deactivations(session: Session, shop_id: str, product_ids: Sequence[str]) -> None:
    session.execute(
        delete(StockDeactivation).where(
            col(StockDeactivation.shop_id) == shop_id, col(StockDeactivation.product_id).in_(product_ids)
        )
    )
