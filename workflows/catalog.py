"""`CatalogWorkflow`: one shop's products, SKUs and stock, kept in the store and pushed back to TikTok.

Entity-shaped like `OrderWorkflow`: the signal handler records that something changed, the loop acts.
- Sync (read every product, whatever its status, into the store) on start (connect), on product
  webhooks (types 5, 15, 16) and every `sync_interval`.
- Push every `push_interval`, or at once after a sync or an operator's count: all stock changes since the
  last push, one Update Inventory call per product, on the rate-limited TikTok task queue; a product with
  nothing to offer is deactivated on TikTok, and activated again once restocked.
The periodic work is a timer in this entity rather than a Temporal Schedule: one workflow per shop already
exists to receive the webhooks, and a single loop means a sync and a push never race each other.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows import search_attributes
from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from activities.contracts import ActivityDef, CatalogRequest
    from creatorflow.inventory import CatalogChange, CatalogInput, CatalogState, CatalogSummary
    from creatorflow.names import CatalogMessage

# A failed sync or push is not retried for long: the next one recomputes everything from the store and
# TikTok, so an old attempt has nothing left to add.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3)


@workflow.defn
class CatalogWorkflow:
    @workflow.init
    def __init__(self, input: CatalogInput) -> None:
        self.s = input.carried or CatalogState(shop_id=input.shop_id)
        self.policy = input.policy
        self._sync_due = True
        self._push_due = True
        self._low_published: bool | None = None

    @workflow.run
    async def run(self, input: CatalogInput) -> None:
        while True:
            if self._sync_due:
                self._sync_due = False
                self.s.last_sync = (
                    await self._call(contracts.SYNC_CATALOG, "read the catalog") or self.s.last_sync
                )
            if self._push_due:
                self._push_due = False
                self.s.last_push = (
                    await self._call(contracts.PUSH_STOCK, "push stock to TikTok") or self.s.last_push
                )
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    CatalogInput(shop_id=self.s.shop_id, policy=self.policy, carried=self.s)
                )
            await self._wait()

    async def _wait(self) -> None:
        """Until a change arrives or the push interval passes; a sync is due every `sync_interval`."""
        last = self.s.last_sync.at if self.s.last_sync and self.s.last_sync.at else workflow.now()
        sync_in = max(last + self.policy.sync_interval - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(
                lambda: self._sync_due or self._push_due, timeout=min(self.policy.push_interval, sync_in)
            )
        except TimeoutError:
            self._push_due = True
            self._sync_due = sync_in <= self.policy.push_interval

    async def _call(
        self, activity: ActivityDef[CatalogRequest, CatalogSummary], what: str
    ) -> CatalogSummary | None:
        """A sync or push; one that fails (TikTok down, the shop deauthorized) is logged and done again at
        the next interval instead of ending the shop's catalog."""
        try:
            done = await call(
                activity,
                CatalogRequest(shop_id=self.s.shop_id, policy=self.policy),
                start_to_close_timeout=self.policy.activity_timeout,
                retry_policy=RETRY,
                summary=what,
            )
        except ActivityError as err:
            workflow.logger.warning(
                "catalog of shop %s: %s failed: %s", self.s.shop_id, activity.name, err.cause
            )
            self.s.failures += 1
            return None
        self._alert(done.low_stock)
        return done.model_copy(update={"at": workflow.now()})

    def _alert(self, low: list[str]) -> None:
        """LowStock search attribute, UI details and a warning when SKUs run low."""
        if low and low != self.s.low_stock:
            workflow.logger.warning("shop %s low on stock: %s", self.s.shop_id, ", ".join(low))
        self.s.low_stock = low
        if self._low_published is not bool(low):
            self._low_published = bool(low)
            workflow.upsert_search_attributes(
                [
                    search_attributes.SHOP_ID.value_set(self.s.shop_id),
                    search_attributes.LOW_STOCK.value_set(bool(low)),
                ]
            )
        workflow.set_current_details(
            f"**{len(low)} SKUs low on stock**: {', '.join(low[:20])}" if low else "Stock OK"
        )

    @workflow.signal(name=CatalogMessage.CHANGED)
    def changed(self, change: CatalogChange) -> None:
        self._sync_due = self._sync_due or change.resync
        self._push_due = True

    @workflow.query(name=CatalogMessage.STATE)
    def state(self) -> CatalogState:
        return self.s
