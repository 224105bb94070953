"""Worker processes: the orders queue (order and shop workflows; shipping, store and token activities)
and the TikTok API queue, which carries every workflow's TikTok calls. Its own queue gives TikTok calls
their own worker slots and one rate limit across every worker (`TikTokSettings.queue_activities_per_second`);
it gives live orders no priority over the orders a backfill starts (README, "TikTok's rate limits")."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.alerts import AlertActivities
from activities.events import EventActivities
from activities.finance import FinanceActivities
from activities.shipping import ShippingActivities
from activities.shops import ShopActivities
from activities.store import StoreActivities
from activities.tiktok import TikTokActivities
from creatorflow.config import Settings
from creatorflow.names import ORDERS_TASK_QUEUE, TIKTOK_TASK_QUEUE
from creatorflow.shipping.base import Carrier
from creatorflow.shipping.providers import enabled_carriers
from creatorflow.store import Store
from creatorflow.tiktok.client import TikTokShopClient
from workers.gateway import TemporalGateway
from workers.schedules import pause_reconcile_schedule
from workflows.alerts import AlertsWorkflow
from workflows.backfill import BackfillWorkflow
from workflows.catalog import CatalogWorkflow
from workflows.finance import FinanceSyncWorkflow
from workflows.order import OrderWorkflow
from workflows.reconcile import ReconcileWorkflow
from workflows.shop import ShopWorkflow

WORKFLOWS = [
    OrderWorkflow,
    ShopWorkflow,
    CatalogWorkflow,
    BackfillWorkflow,
    ReconcileWorkflow,
    AlertsWorkflow,
    FinanceSyncWorkflow,
]
# Activity slots per worker and queue.
MAX_CONCURRENT_ACTIVITIES = 200


def build_workers(
    client: Client,
    settings: Settings,
    store: Store,
    tiktok: TikTokShopClient,
    carriers: Sequence[Carrier] | None = None,
) -> list[Worker]:
    activities = activities_by_queue(client, settings, store, tiktok, carriers)
    orders = Worker(
        client,
        task_queue=ORDERS_TASK_QUEUE,
        workflows=WORKFLOWS,
        activities=activities[ORDERS_TASK_QUEUE],
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
    )
    return [orders, tiktok_worker(client, settings, activities[TIKTOK_TASK_QUEUE])]


def activities_by_queue(
    client: Client,
    settings: Settings,
    store: Store,
    tiktok: TikTokShopClient,
    carriers: Sequence[Carrier] | None = None,
) -> dict[str, list[Callable[..., Any]]]:
    """Every activity implementation, on the task queue its definition (`activities.contracts`) names."""
    shipping = ShippingActivities(carriers if carriers is not None else enabled_carriers(settings), store)
    store_activities = StoreActivities(store)
    tiktok_activities = TikTokActivities(store, tiktok)
    finance_activities = FinanceActivities(store, tiktok)
    shop_activities = ShopActivities(
        store,
        settings.tiktok,
        pause_polling=lambda shop_id, reason: pause_reconcile_schedule(client, shop_id, reason),
    )
    events = EventActivities(TemporalGateway.from_settings(client, settings), store)
    alerts = AlertActivities(
        store, settings.alerts, settings.temporal.namespace, settings.inventory, settings.finance
    )
    return {
        ORDERS_TASK_QUEUE: [
            shipping.choose_rate,
            shipping.plan_parcels,
            shipping.buy_label,
            shipping.refund_label,
            shipping.track_label,
            store_activities.record_order,
            store_activities.record_label,
            store_activities.record_label_refund,
            store_activities.record_return,
            store_activities.reserve_stock,
            shop_activities.refresh_tokens,
            shop_activities.record_shop,
            shop_activities.require_authorized,
            shop_activities.payment_hold,
            store_activities.load_sync_cursor,
            store_activities.advance_sync_cursor,
            events.deliver_order_changes,
            alerts.sweep,
            alerts.send,
        ],
        TIKTOK_TASK_QUEUE: [
            tiktok_activities.fetch_order,
            tiktok_activities.ship_package,
            tiktok_activities.update_tracking,
            tiktok_activities.arrange_tiktok_shipment,
            tiktok_activities.cancel_order,
            tiktok_activities.fetch_aftersales,
            tiktok_activities.decide_aftersale,
            tiktok_activities.sync_catalog,
            tiktok_activities.push_stock,
            tiktok_activities.search_changes,
            tiktok_activities.read_shipment_facts,
            tiktok_activities.buy_tiktok_label,
            finance_activities.sync_finance_page,
            tiktok_activities.split_order,
        ],
    }


def tiktok_worker(client: Client, settings: Settings, activities: Sequence[Callable[..., Any]]) -> Worker:
    """The TikTok API queue's worker, asking the server to start at most
    `settings.tiktok.queue_activities_per_second` of its activities, counted across every worker."""
    return Worker(
        client,
        task_queue=TIKTOK_TASK_QUEUE,
        activities=activities,
        max_task_queue_activities_per_second=settings.tiktok.queue_activities_per_second,
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
    )


@contextlib.asynccontextmanager
async def running_workers(workers: Sequence[Worker]) -> AsyncIterator[None]:
    """Run workers until the block exits, then shut them down gracefully."""
    async with contextlib.AsyncExitStack() as stack:
        for worker in workers:
            await stack.enter_async_context(worker)
        yield
