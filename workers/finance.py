"""Starting a shop's finance sync now (the CLI, tests), beside its daily Schedule (`workers.schedules`)."""

from __future__ import annotations

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from creatorflow.finance import FinancePolicy, FinanceSyncInput, FinanceSyncProgress
from creatorflow.names import ORDERS_TASK_QUEUE, finance_sync_workflow_id
from workflows.finance import FinanceSyncWorkflow


async def start_finance_sync(
    client: Client, shop_id: str, policy: FinancePolicy, since: int | None = None
) -> WorkflowHandle[FinanceSyncWorkflow, FinanceSyncProgress]:
    """A sync of the shop's statements from its cursor (or `since`, Unix s); one already running from the
    CLI is returned instead of starting a second."""
    return await client.start_workflow(
        FinanceSyncWorkflow.run,
        FinanceSyncInput(shop_id=shop_id, policy=policy, since=since),
        id=finance_sync_workflow_id(shop_id),
        task_queue=ORDERS_TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"sync TikTok statements of shop {shop_id} now",
    )
