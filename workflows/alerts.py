"""`AlertsWorkflow`: one alerts pass over every shop, run by the `alerts` Schedule (`workers.schedules`).

The sweep derives each shop's alerts from the store and queues them under ids that name their cause; then
each shop's unsent batch is sent, one activity per shop. A shop whose channels keep failing is left for the
next pass (its alerts stay queued), so one broken webhook never holds up the other shops.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities import contracts

SWEEP_TIMEOUT = timedelta(minutes=2)
SEND_TIMEOUT = timedelta(minutes=1)
# A few tries within the pass; what is still unsent then waits for the next pass.
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(seconds=30), maximum_attempts=5
)


@workflow.defn
class AlertsWorkflow:
    @workflow.run
    async def run(self) -> contracts.AlertsSent:
        batches = await call(
            contracts.SWEEP_ALERTS,
            contracts.AlertsSweep(now=workflow.now()),
            start_to_close_timeout=SWEEP_TIMEOUT,
            summary="derive and queue every shop's alerts",
        )
        sent: dict[str, int] = {}
        for batch in batches.batches:
            try:
                result = await call(
                    contracts.SEND_ALERTS,
                    batch,
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                    summary=f"send {len(batch.alert_ids)} alerts of shop {batch.shop_id}",
                )
            except ActivityError as error:
                workflow.logger.warning(
                    "alerts of shop %s left for the next pass: %s", batch.shop_id, error.cause or error
                )
                continue
            for channel, count in result.sent.items():
                sent[channel] = sent.get(channel, 0) + count
        return contracts.AlertsSent(sent=sent)
