"""How the core reaches workflows without knowing Temporal: the webhook inbox and the polling activities
hand events over through an `EventGateway`, implemented on Temporal in `workers.gateway`."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from creatorflow.inventory import CatalogChange
from creatorflow.shops import ShopGateway


class WorkflowClosedError(Exception):
    """The order's workflow has finished; a late event for it has nothing left to change."""


class EventGateway(ShopGateway, Protocol):
    """How the inbox and the polling activities reach workflows."""

    async def signal_order(
        self, shop_id: str, order_id: str, signal: str, payload: BaseModel, *, start: bool
    ) -> str:
        """Signal the order's workflow (starting it first if `start`); returns its workflow id."""
        ...

    async def signal_catalog(self, shop_id: str, change: CatalogChange) -> str:
        """Tell the shop's catalog workflow (starting it if needed); returns its workflow id."""
        ...

    async def ready(self) -> bool: ...
