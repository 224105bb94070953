"""`EventGateway` (and the onboarding's `ShopGateway`) on Temporal: signal-with-start by workflow ID,
never by search."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from creatorflow.config import Settings
from creatorflow.finance import FinancePolicy
from creatorflow.gateway import WorkflowClosedError
from creatorflow.inventory import CatalogChange, InventoryPolicy
from creatorflow.names import ORDERS_TASK_QUEUE, ShopMessage, order_workflow_id, shop_workflow_id
from creatorflow.orders import OrderInput, OrderPolicy
from creatorflow.shops import ShopConnected, ShopInput, ShopPolicy
from creatorflow.sync import SyncPolicy
from workers.catalog import signal_catalog
from workers.schedules import ensure_finance_schedule, ensure_reconcile_schedule
from workflows.order import OrderWorkflow
from workflows.shop import ShopWorkflow


class TemporalGateway:
    def __init__(
        self,
        client: Client,
        policy: OrderPolicy,
        shop_policy: ShopPolicy,
        inventory: InventoryPolicy | None = None,
        sync: SyncPolicy | None = None,
        finance: FinancePolicy | None = None,
    ) -> None:
        self._client = client
        self._policy = policy
        self._shop_policy = shop_policy
        self._inventory = inventory or InventoryPolicy()
        self._sync = sync or SyncPolicy()
        self._finance = finance or FinancePolicy()

    @classmethod
    def from_settings(cls, client: Client, settings: Settings) -> TemporalGateway:
        """The gateway every process builds: the configured policy of each workflow it starts."""
        return cls(
            client, settings.orders, settings.shops, settings.inventory, settings.sync, settings.finance
        )

    async def signal_order(
        self, shop_id: str, order_id: str, signal: str, payload: BaseModel, *, start: bool
    ) -> str:
        workflow_id = order_workflow_id(shop_id, order_id)
        if not start:
            handle: WorkflowHandle[OrderWorkflow, object] = self._client.get_workflow_handle(workflow_id)
            try:
                await handle.signal(signal, payload)
            except RPCError as exc:
                if exc.status is RPCStatusCode.NOT_FOUND:
                    raise WorkflowClosedError(f"{workflow_id} is not running") from exc
                raise
            return workflow_id
        try:
            await self._client.start_workflow(
                OrderWorkflow.run,
                OrderInput(shop_id=shop_id, order_id=order_id, policy=self._policy),
                id=workflow_id,
                task_queue=ORDERS_TASK_QUEUE,
                start_signal=signal,
                start_signal_args=[payload],
                # A finished order is not restarted by a late or replayed event.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"TikTok order {order_id} (shop {shop_id})",
            )
        except WorkflowAlreadyStartedError as exc:
            raise WorkflowClosedError(f"{workflow_id} has already finished") from exc
        return workflow_id

    async def signal_shop(self, shop_id: str, signal: str, payload: BaseModel) -> str:
        """The shop's workflow lives as long as the shop is connected; a closed one (terminated by an
        operator, say) is started afresh, since a shop event always concerns the current connection."""
        workflow_id = shop_workflow_id(shop_id)
        await self._client.start_workflow(
            ShopWorkflow.run,
            ShopInput(shop_id=shop_id, policy=self._shop_policy),
            id=workflow_id,
            task_queue=ORDERS_TASK_QUEUE,
            start_signal=signal,
            start_signal_args=[payload],
            static_summary=f"TikTok shop {shop_id}: credentials and authorization",
        )
        return workflow_id

    async def signal_catalog(self, shop_id: str, change: CatalogChange) -> str:
        return await signal_catalog(self._client, shop_id, self._inventory, change)

    async def shop_connected(self, shop_id: str, connected: ShopConnected) -> None:
        await self.signal_shop(shop_id, ShopMessage.CONNECTED, connected)
        await self.signal_catalog(shop_id, CatalogChange(source="connect"))
        # Polling resumes too, if a deauthorization had paused it.
        await ensure_reconcile_schedule(self._client, shop_id, self._sync)
        await ensure_finance_schedule(self._client, shop_id, self._finance)

    async def ready(self) -> bool:
        try:
            return await self._client.service_client.check_health()
        except RPCError:
            return False
        except RuntimeError:  # a lazy client (the API's) that could not connect yet
            return False
