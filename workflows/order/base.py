"""What every part of `OrderWorkflow` builds on: the state it carries, and the few moves they all make
(run an activity, change stage, park for an operator, wake the loop).

The workflow is split by concern into layers, each a class built on the one before, so mypy checks every
attribute and call across the files: `OrderBase` (here) <- `OrderVisibility` <- `OrderShipping` <-
`OrderPackages` <- `OrderAfterSales` <- `OrderReaddress` <- `OrderWorkflow`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from activities.contracts import ActivityDef
    from creatorflow.metrics import ORDER_TRANSITIONS, Metrics
    from creatorflow.orders import Attention, FulfillmentState, OrderPolicy, OrderState

In = TypeVar("In")
Out = TypeVar("Out")

# Before this stage an order has not left with a carrier, so holds, reships and cancels still make sense.
HANDOVER = FulfillmentState.IN_TRANSIT

# The reasons an order waits for its seller, not an operator.
SHOP_NOT_AUTHORIZED = (contracts.SHOP_DEAUTHORIZED, contracts.SHOP_NEEDS_REAUTHORIZATION)


class NeedsAttention(Exception):
    """Raised inside the loop to park the order for an operator."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class OrderBase:
    """The attributes `OrderWorkflow.__init__` sets, declared here so every layer is type-checked."""

    state: OrderState  # what the order is and what happened to it; carried over continue-as-new
    policy: OrderPolicy
    _tiktok_news: bool  # read the order from TikTok before acting
    _aftersales_news: bool  # read its cancellation and return requests before acting
    _wake: bool  # a handler recorded something: end the current wait
    _published: tuple[Any, ...]  # what visibility last showed
    _return_recorded: tuple[Any, ...]  # what the store last got of the return
    _metrics: Metrics

    async def _call(self, activity: ActivityDef[In, Out], arg: In, *, summary: str) -> Out:
        """Run an activity, retried until it succeeds or fails for a reason retrying cannot fix; such a
        failure parks the order instead of failing the workflow."""
        try:
            return await call(
                activity, arg, summary=summary, start_to_close_timeout=self.policy.activity_timeout
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                raise NeedsAttention(cause.type or "ActivityFailed", cause.message) from err
            raise

    def _notify(self) -> None:
        self._wake = True

    def _move(self, stage: FulfillmentState, why: str) -> None:
        if stage != self.state.stage:
            self.state.note(workflow.now(), f"{self.state.stage.value} -> {stage.value}: {why}")
            self.state.stage = stage
            self._metrics.add(ORDER_TRANSITIONS, state=stage.value)

    def _park(self, reason: str, message: str) -> None:
        self.state.attention = Attention(reason=reason, message=message, since=workflow.now())
        self.state.note(workflow.now(), f"needs attention: {reason}: {message}")
        # The message may quote the recipient (a carrier refusing an address): it stays in the encrypted state
        workflow.logger.warning("order needs attention: %s (the state query has the details)", reason)
