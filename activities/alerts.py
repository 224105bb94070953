"""Alerts: derive and queue them (the sweep), then send each shop's batch on its channels (the send).

The send records each channel's delivery right after that channel took the batch and skips what is
recorded, so a retry after a crash or a failing channel sends to the channels still owed, never twice to
one that took it (docs/alerts.md says where a crash can still repeat one message).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts
from creatorflow import metrics
from creatorflow.alerts.channels import ChannelError, channel_for
from creatorflow.alerts.derive import PAYOUT_NOTICE, derive_alerts
from creatorflow.alerts.digest import build_digest, digest_due
from creatorflow.alerts.models import AlertKind, AlertsSettings
from creatorflow.finance import FinancePolicy
from creatorflow.inventory import InventoryPolicy
from creatorflow.metrics import MeterMetrics, Metrics
from creatorflow.quality import shop_quality
from creatorflow.store import Store
from creatorflow.store.tables import utcnow

# Queued alerts older than this are not sent any more (e.g. to a channel the shop adds later).
SEND_WITHIN = timedelta(days=1)
QUALITY_PERIOD = timedelta(days=1)


class AlertActivities:
    def __init__(
        self,
        store: Store,
        settings: AlertsSettings,
        namespace: str,
        inventory: InventoryPolicy,
        finance: FinancePolicy | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._namespace = namespace
        self._inventory = inventory
        self._finance = finance or FinancePolicy()

    @activity.defn(name=contracts.SWEEP_ALERTS.name)
    async def sweep(self, sweep: contracts.AlertsSweep) -> contracts.AlertBatches:
        return await asyncio.to_thread(self._sweep, sweep.now, MeterMetrics(activity.metric_meter()))

    def _sweep(self, now: datetime, meter: Metrics) -> contracts.AlertBatches:
        batches = []
        for shop in self._store.shops():
            publish_quality(self._store, shop.shop_id, now, meter)
            settings = self._store.alert_settings(shop.shop_id)
            channels = settings.channels(self._settings.log_all)
            if not channels:
                continue
            alerts = derive_alerts(
                now,
                shop,
                settings,
                self._store.open_orders(shop.shop_id),
                self._store.stock_levels(shop.shop_id),
                self.order_link,
                self._inventory,
                self._store.payouts_since(shop.shop_id, int((now - PAYOUT_NOTICE).timestamp())),
            )
            window = digest_due(now, settings)
            if window is not None and AlertKind.DIGEST in settings.kinds:
                alerts.append(build_digest(self._store, shop.shop_id, window, self._finance))
            self._store.enqueue_alerts(alerts)
            unsent = {
                alert.alert_id
                for channel in channels
                for alert in self._store.unsent_alerts(shop.shop_id, channel, utcnow() - SEND_WITHIN)
            }
            if unsent:
                batches.append(contracts.AlertBatch(shop_id=shop.shop_id, alert_ids=sorted(unsent)))
        return contracts.AlertBatches(batches=batches)

    def order_link(self, shop_id: str, order_id: str) -> str:
        base = self._settings.ui_base_url.rstrip("/")
        return f"{base}/namespaces/{self._namespace}/workflows/order:{shop_id}:{order_id}"

    @activity.defn(name=contracts.SEND_ALERTS.name)
    async def send(self, batch: contracts.AlertBatch) -> contracts.AlertsSent:
        """Each channel in turn; one failing does not keep the others from their batch."""
        settings = await asyncio.to_thread(self._store.alert_settings, batch.shop_id)
        alerts = await asyncio.to_thread(self._store.alerts_by_id, batch.alert_ids)
        sent: dict[str, int] = {}
        failures: list[ChannelError] = []
        for name in settings.channels(self._settings.log_all):
            done = await asyncio.to_thread(self._store.sent_on, name, batch.alert_ids)
            owed = [alert for alert in alerts if alert.alert_id not in done]
            if not owed:
                continue
            try:
                await channel_for(name, self._settings, settings).send(batch.shop_id, owed)
            except ChannelError as error:
                activity.logger.warning("alerts of shop %s not sent: %s", batch.shop_id, error)
                failures.append(error)
                continue
            await asyncio.to_thread(self._store.mark_sent, name, [alert.alert_id for alert in owed])
            sent[name] = len(owed)
        if failures:
            raise ApplicationError(
                "; ".join(str(error) for error in failures),
                type=contracts.ALERT_CHANNEL
                if not any(e.retryable for e in failures)
                else "AlertChannelDown",
                non_retryable=not any(error.retryable for error in failures),
            )
        return contracts.AlertsSent(sent=sent)


def publish_quality(store: Store, shop_id: str, now: datetime, meter: Metrics) -> None:
    """The shop's quality over the last day as Prometheus gauges (a rate with no orders is not set)."""
    report = shop_quality(store, shop_id, now - QUALITY_PERIOD, now)
    figures = {
        metrics.LATE_DISPATCH_RATE: report.late_dispatch.rate,
        metrics.VALID_TRACKING_RATE: report.valid_tracking.rate,
        metrics.CANCELLATION_RATE: report.cancelled.rate,
        metrics.DATA_ACCURACY_RATE: report.data_accuracy.rate,
        metrics.PAID_TO_LABEL_P95: report.paid_to_label.p95_hours,
        metrics.PAID_TO_SCAN_P95: report.paid_to_first_scan.p95_hours,
    }
    for gauge, value in figures.items():
        if value is not None:
            meter.set(gauge, value, shop_id=shop_id)
