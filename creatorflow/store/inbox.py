"""The webhook inbox: each verified webhook recorded once, before we answer, then marked as it is handled."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.store.repository import Repository
from creatorflow.store.tables import WebhookRow, WebhookStatus, utcnow


class InboxRepository(Repository):
    def record_webhook(self, event: WebhookRow) -> tuple[WebhookRow, bool]:
        """Insert the event unless `(source, dedup_key)` is already there; says which happened."""
        with Session(self.engine) as session:
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
            session.refresh(event)
            return event, True

    def mark_webhook(
        self, event_id: int, status: WebhookStatus, error: str = "", workflow_id: str | None = None
    ) -> None:
        with Session(self.engine) as session:
            row = session.get(WebhookRow, event_id)
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

    def webhooks(self, status: WebhookStatus | None = None, limit: int = 500) -> list[WebhookRow]:
        with Session(self.engine) as session:
            query = select(WebhookRow).order_by(col(WebhookRow.id)).limit(limit)
            if status is not None:
                query = query.where(WebhookRow.status == status)
            return list(session.exec(query))
