"""The webhook inbox: each verified webhook recorded once, before we answer, then claimed by a forwarder
and marked as it is handled."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.store.repository import Repository
from creatorflow.store.tables import UTCDateTime, WebhookRow, WebhookStatus, utcnow


class WebhookMark(BaseModel):
    """What became of one event: FORWARDED to `workflow_id`, or IGNORED with the reason in `error`."""

    event_id: int
    status: WebhookStatus
    error: str = ""
    workflow_id: str | None = None  # None: unchanged


class InboxRepository(Repository):
    _inbox_writes: threading.Lock

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """On SQLite, one inbox write at a time in this process: the API's threads queue on a lock that
        wakes them, instead of on the database's, whose busy handler sleeps up to 100 ms between tries."""
        with self._inbox_writes if self.engine.dialect.name == "sqlite" else nullcontext():
            yield

    def record_webhook(self, event: WebhookRow) -> tuple[WebhookRow, bool]:
        """Insert the event unless `(source, dedup_key)` is already there; says which happened. One
        transaction, one write: this is what the API waits for before it answers."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(event)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = session.exec(
                    select(WebhookRow).where(
                        WebhookRow.source == event.source, WebhookRow.dedup_key == event.dedup_key
                    )
                ).one()
                return existing, False
            return event, True

    def record_webhooks(self, events: list[WebhookRow]) -> list[bool]:
        """Insert each event unless `(source, dedup_key)` is already there (or earlier in `events`), in
        one transaction; says which were new. What the API's group commit calls."""
        if not events:
            return []
        columns = [column.name for column in WebhookRow.__table__.columns if column.name != "id"]  # type: ignore[attr-defined]
        values = [{name: getattr(event, name) for name in columns} for event in events]
        with self._writing(), Session(self.engine) as session:
            inserted = self._insert_new(session, WebhookRow, values, ["source", "dedup_key"])
            session.commit()
        new: list[bool] = []
        for event in events:
            key = (event.source, event.dedup_key)
            new.append(key in inserted)
            inserted.discard(key)  # a second copy in the same batch is a duplicate of the first
        return new

    def claim_webhooks(
        self, owner: str, limit: int, lease: timedelta, recheck: timedelta
    ) -> list[WebhookRow]:
        """Lease up to `limit` of the oldest events still to forward (none leased by another forwarder),
        oldest first, leaving out any whose lane has an older event still to forward that `owner` does
        not hold (those are looked at again after `recheck`): a lane's events reach its workflow in the
        order received, across replicas too.

        On PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so replicas claiming at once take
        different events; SQLite has a single writer, so the one UPDATE is the claim.
        """
        now = utcnow()
        candidates = (
            select(WebhookRow.id)
            .where(
                WebhookRow.status == WebhookStatus.RECEIVED,
                or_(col(WebhookRow.lease_until).is_(None), col(WebhookRow.lease_until) < now),
            )
            .order_by(col(WebhookRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(WebhookRow)
            .where(col(WebhookRow.id).in_(candidates.scalar_subquery()))
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(WebhookRow)
            .execution_options(synchronize_session=False)
        )
        with self._writing(), Session(self.engine, expire_on_commit=False) as session:
            claimed = sorted(session.scalars(claim), key=lambda row: row.id or 0)
            lanes = {row.lane for row in claimed if row.lane}
            heads: dict[str, int] = {}
            if lanes:
                others_first = (
                    select(WebhookRow.lane, func.min(WebhookRow.id))
                    .where(
                        WebhookRow.status == WebhookStatus.RECEIVED,
                        col(WebhookRow.lane).in_(lanes),
                        or_(col(WebhookRow.lease_owner).is_(None), col(WebhookRow.lease_owner) != owner),
                    )
                    .group_by(col(WebhookRow.lane))
                )
                heads = {lane: first for lane, first in session.exec(others_first) if lane and first}
            blocked = {row.id for row in claimed if row.lane in heads and heads[row.lane] < (row.id or 0)}
            if blocked:
                self._release(session, [event_id for event_id in blocked if event_id], now + recheck)
            session.commit()
        return [row for row in claimed if row.id not in blocked]

    def release_webhooks(self, event_ids: Iterable[int], until: datetime) -> None:
        """Give events back unforwarded; no forwarder takes them again before `until`."""
        with self._writing(), Session(self.engine) as session:
            self._release(session, list(event_ids), until)
            session.commit()

    @staticmethod
    def _release(session: Session, event_ids: list[int], until: datetime) -> None:
        session.execute(
            update(WebhookRow)
            .where(col(WebhookRow.id).in_(event_ids), col(WebhookRow.status) == WebhookStatus.RECEIVED)
            .values(lease_owner=None, lease_until=until)
            .execution_options(synchronize_session=False)
        )

    def mark_webhook(
        self, event_id: int, status: WebhookStatus, error: str = "", workflow_id: str | None = None
    ) -> None:
        """Record what became of an event; its lease ends with it."""
        self.mark_webhooks(
            [WebhookMark(event_id=event_id, status=status, error=error, workflow_id=workflow_id)]
        )

    def mark_webhooks(self, marks: list[WebhookMark]) -> None:
        """Record what became of several events, in one transaction (what the forwarder's group calls)."""
        if not marks:
            return
        now = utcnow()
        table = WebhookRow.__table__  # type: ignore[attr-defined]
        statement = (
            update(table)
            .where(table.c.id == bindparam("event_id"))
            .values(
                status=bindparam("new_status"),
                error=bindparam("new_error"),
                lease_owner=None,
                workflow_id=func.coalesce(bindparam("new_workflow_id"), table.c.workflow_id),
                forwarded_at=func.coalesce(
                    bindparam("new_forwarded_at", type_=UTCDateTime), table.c.forwarded_at
                ),
            )
        )
        rows = [
            {
                "event_id": mark.event_id,
                "new_status": mark.status.value,
                "new_error": mark.error,
                "new_workflow_id": mark.workflow_id,
                "new_forwarded_at": now if mark.status is WebhookStatus.FORWARDED else None,
            }
            for mark in marks
        ]
        with self._writing(), self.engine.begin() as connection:
            done = connection.execute(statement, rows)
            if done.rowcount != len(marks):  # rolled back: an id that is not recorded is a bug upstream
                raise LookupError(f"webhook events {[mark.event_id for mark in marks]}: not all recorded")

    def webhooks(self, status: WebhookStatus | None = None, limit: int = 500) -> list[WebhookRow]:
        with Session(self.engine) as session:
            query = select(WebhookRow).order_by(col(WebhookRow.id)).limit(limit)
            if status is not None:
                query = query.where(WebhookRow.status == status)
            return list(session.exec(query))
