"""The projection of each order, the labels bought for it and its returns (for the shipping and returns
reports)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.orders import FulfillmentState, progress_of, reached
from creatorflow.store.repository import Repository
from creatorflow.store.tables import (
    LabelRow,
    LabelStatus,
    OrderRecord,
    ReconcileCheckRow,
    ReturnRecord,
    utcnow,
)
from creatorflow.sync import OrderChange

# The projection's milestone columns, and the stage that reaches each.
MILESTONES = {
    "paid_at": FulfillmentState.ON_HOLD,
    "labelled_at": FulfillmentState.LABEL_PURCHASED,
    "shipped_at": FulfillmentState.SHIPPED,
    "first_scan_at": FulfillmentState.IN_TRANSIT,
    "delivered_at": FulfillmentState.DELIVERED,
}


class OrderRepository(Repository):
    # --- orders and labels ---------------------------------------------------------------------

    def upsert_order(self, record: OrderRecord) -> None:
        """Keep the projection of an order; an older TikTok update never overwrites a newer one. The
        first time the order is seen at or past a milestone, the milestone's time is stamped (once, so a
        retried write changes nothing)."""
        with Session(self.engine) as session:
            current = session.get(OrderRecord, (record.shop_id, record.order_id))
            if current is None:
                current = record
            else:
                if record.tiktok_update_time < current.tiktok_update_time:
                    record.tiktok_status = current.tiktok_status
                    record.tiktok_update_time = current.tiktok_update_time
                for name, value in record.model_dump(exclude={"shop_id", "order_id", *MILESTONES}).items():
                    setattr(current, name, value)
                current.updated_at = utcnow()
            _stamp_milestones(current, utcnow())
            session.add(current)
            session.commit()

    def check_against_tiktok(self, shop_id: str, changes: Sequence[OrderChange]) -> int:
        """Record, per order status change a reconcile pass found, whether the projection already knew
        it (TikTok's status, or a newer update); how many it did not. A change checked before keeps its
        first answer: by then the pass itself has told the order."""
        missed = 0
        with Session(self.engine) as session:
            for change in changes:
                key = (shop_id, change.order_id, change.update_time)
                if change.kind != "status" or session.get(ReconcileCheckRow, key) is not None:
                    continue
                known = session.get(OrderRecord, (shop_id, change.order_id))
                matched = known is not None and (
                    known.tiktok_update_time > change.update_time
                    or known.tiktok_status == change.tiktok_status
                )
                missed += not matched
                session.add(
                    ReconcileCheckRow(
                        shop_id=shop_id,
                        order_id=change.order_id,
                        update_time=change.update_time,
                        matched=matched,
                    )
                )
            session.commit()
        return missed

    def reconcile_checks(self, shop_id: str | None, since: datetime) -> list[ReconcileCheckRow]:
        with Session(self.engine) as session:
            query = select(ReconcileCheckRow).where(col(ReconcileCheckRow.checked_at) >= since)
            if shop_id is not None:
                query = query.where(ReconcileCheckRow.shop_id == shop_id)
            return list(session.exec(query))

    def insert_orders(self, records: list[OrderRecord]) -> int:
        """Record orders not in the store yet, in one transaction (a backfill's closed orders, which get
        no workflow); an order already there (its workflow's projection) is left as it is. How many were
        new."""
        if not records:
            return 0
        rows = [record.model_dump() for record in records]
        with Session(self.engine) as session:
            inserted = self._insert_new(session, OrderRecord, rows, ["shop_id", "order_id"])
            session.commit()
        return len(inserted)

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

    def save_label(self, label: LabelRow) -> LabelRow:
        """Record a bought label; for a key already recorded, the first record wins and is returned."""
        with Session(self.engine) as session:
            session.add(label)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return session.exec(
                    select(LabelRow).where(LabelRow.idempotency_key == label.idempotency_key)
                ).one()
            session.refresh(label)
            return label

    def label_by_tracking(self, tracking_number: str) -> LabelRow | None:
        """The newest label with this tracking number (carrier webhooks name only the number)."""
        with Session(self.engine) as session:
            query = (
                select(LabelRow)
                .where(LabelRow.tracking_number == tracking_number)
                .order_by(col(LabelRow.id).desc())
            )
            return session.exec(query).first()

    def labels(
        self, shop_id: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[LabelRow]:
        """Labels in the order they were bought; `since`: bought at or after that time."""
        with Session(self.engine) as session:
            query = select(LabelRow).order_by(col(LabelRow.id))
            if shop_id is not None:
                query = query.where(LabelRow.shop_id == shop_id)
            if order_id is not None:
                query = query.where(LabelRow.order_id == order_id)
            if since is not None:
                query = query.where(col(LabelRow.created_at) >= since)
            return list(session.exec(query))

    def set_label_status(self, idempotency_key: str, status: LabelStatus) -> LabelRow:
        with Session(self.engine) as session:
            label = session.exec(select(LabelRow).where(LabelRow.idempotency_key == idempotency_key)).one()
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


def _stamp_milestones(record: OrderRecord, now: datetime) -> None:
    stage = progress_of(record.stage or record.state)  # older workflows send no stage
    for column, milestone in MILESTONES.items():
        if stage is not None and reached(stage, milestone) and getattr(record, column) is None:
            setattr(record, column, now)
    if record.state == FulfillmentState.CANCELLED and record.cancelled_at is None:
        record.cancelled_at = now
