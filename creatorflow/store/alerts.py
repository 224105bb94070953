"""Alert settings per shop, the alert outbox (one row per alert id) and what was sent on which channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, or_, select

from creatorflow.alerts.models import Alert, AlertSettings
from creatorflow.orders import TERMINAL_STATES
from creatorflow.store.repository import Repository
from creatorflow.store.tables import AlertDeliveryRow, AlertRow, AlertSettingsRow, OrderRecord, utcnow


class AlertRepository(Repository):
    def alert_settings(self, shop_id: str) -> AlertSettings:
        """The shop's settings; the defaults (off) for a shop that has none."""
        with Session(self.engine) as session:
            row = session.get(AlertSettingsRow, shop_id)
            return AlertSettings() if row is None else AlertSettings.model_validate_json(row.body)

    def set_alert_settings(self, shop_id: str, settings: AlertSettings) -> None:
        with Session(self.engine) as session:
            row = session.get(AlertSettingsRow, shop_id) or AlertSettingsRow(shop_id=shop_id, body="")
            row.body = settings.model_dump_json()
            row.updated_at = utcnow()
            session.add(row)
            session.commit()

    def enqueue_alerts(self, alerts: Sequence[Alert]) -> int:
        """Keep each alert id once (the first body wins); how many were new."""
        added = 0
        with Session(self.engine) as session:
            for alert in alerts:
                if session.get(AlertRow, alert.alert_id) is None:
                    session.add(
                        AlertRow(
                            alert_id=alert.alert_id,
                            shop_id=alert.shop_id,
                            kind=alert.kind.value,
                            body=alert.model_dump_json(),
                        )
                    )
                    added += 1
            session.commit()
        return added

    def unsent_alerts(self, shop_id: str, channel: str, since: datetime) -> list[Alert]:
        """The shop's alerts queued at or after `since` and not yet sent on `channel`, oldest first."""
        with Session(self.engine) as session:
            sent = select(AlertDeliveryRow.alert_id).where(AlertDeliveryRow.channel == channel)
            query = (
                select(AlertRow)
                .where(AlertRow.shop_id == shop_id, col(AlertRow.created_at) >= since)
                .where(col(AlertRow.alert_id).not_in(sent))
                .order_by(col(AlertRow.created_at), col(AlertRow.alert_id))
            )
            return [Alert.model_validate_json(row.body) for row in session.exec(query)]

    def alerts_by_id(self, alert_ids: Sequence[str]) -> list[Alert]:
        with Session(self.engine) as session:
            query = (
                select(AlertRow)
                .where(col(AlertRow.alert_id).in_(alert_ids))
                .order_by(col(AlertRow.created_at))
            )
            return [Alert.model_validate_json(row.body) for row in session.exec(query)]

    def sent_on(self, channel: str, alert_ids: Sequence[str]) -> set[str]:
        with Session(self.engine) as session:
            query = select(AlertDeliveryRow.alert_id).where(
                AlertDeliveryRow.channel == channel, col(AlertDeliveryRow.alert_id).in_(alert_ids)
            )
            return set(session.exec(query))

    def mark_sent(self, channel: str, alert_ids: Sequence[str]) -> None:
        with Session(self.engine) as session:
            for alert_id in alert_ids:
                if session.get(AlertDeliveryRow, (alert_id, channel)) is None:
                    session.add(AlertDeliveryRow(alert_id=alert_id, channel=channel))
            session.commit()

    def open_orders(self, shop_id: str) -> list[OrderRecord]:
        """The shop's orders not over yet: the ones an alert can be about."""
        with Session(self.engine) as session:
            query = select(OrderRecord).where(
                OrderRecord.shop_id == shop_id, col(OrderRecord.state).not_in(list(TERMINAL_STATES))
            )
            return list(session.exec(query))

    def orders_touched(self, shop_id: str | None, since: datetime) -> list[OrderRecord]:
        """Orders updated at or after `since`, or due to ship then: any milestone stamped since is here."""
        with Session(self.engine) as session:
            query = select(OrderRecord).where(
                or_(col(OrderRecord.updated_at) >= since, col(OrderRecord.ship_by) >= since)
            )
            if shop_id is not None:
                query = query.where(OrderRecord.shop_id == shop_id)
            return list(session.exec(query))
