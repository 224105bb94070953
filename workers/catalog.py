"""Reaching a shop's `CatalogWorkflow`: signal-with-start by workflow ID, from the API and the CLI."""

from __future__ import annotations

from temporalio.client import Client

from creatorflow.inventory import CatalogChange, CatalogInput, InventoryPolicy
from creatorflow.names import ORDERS_TASK_QUEUE, CatalogMessage, catalog_workflow_id
from workflows.catalog import CatalogWorkflow


async def signal_catalog(client: Client, shop_id: str, policy: InventoryPolicy, change: CatalogChange) -> str:
    """Start the shop's catalog workflow if it is not running, and tell it what changed."""
    workflow_id = catalog_workflow_id(shop_id)
    await client.start_workflow(
        CatalogWorkflow.run,
        CatalogInput(shop_id=shop_id, policy=policy),
        id=workflow_id,
        task_queue=ORDERS_TASK_QUEUE,
        start_signal=CatalogMessage.CHANGED,
        start_signal_args=[change],
        static_summary=f"Catalog and stock of shop {shop_id}",
    )
    return workflow_id


async def ensure_catalog(client: Client, shop_id: str, policy: InventoryPolicy) -> str:
    """On connect: the shop's catalog is synced now and kept in sync from then on."""
    return await signal_catalog(client, shop_id, policy, CatalogChange(source="connect"))
