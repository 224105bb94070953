"""`creatorflow backfill`, run as a user runs it, against the test stack's Temporal and database."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from starter.stack import SandboxShop, Stack
from tests.e2e.conftest import eventually
from tests.e2e.test_order_lifecycle import projections
from tests.processes import creatorflow, worker_env
from workers.schedules import delete_reconcile_schedule


async def test_backfill_command_detaches_reports_status_and_a_second_run_starts_nothing(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    await delete_reconcile_schedule(stack.client, shop.shop_id)  # only the backfill touches these orders
    two_days_ago = int(time.time()) - 2 * 86400
    created = await stack.control.create_orders(
        shop.shop_id, shop.sku_id, count=30, status="COMPLETED", create_time=two_days_ago
    )
    since = f"{datetime.now(UTC) - timedelta(days=3):%Y-%m-%d}"
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    backfill_id = f"backfill:{shop.shop_id}:{since}:now"

    code, output = await creatorflow(env, "backfill", "--shop", shop.shop_id, "--since", since, "--detach")
    assert code == 0, output
    assert f"backfill {backfill_id}" in output

    async def status() -> str:
        return (await creatorflow(env, "backfill", "status", backfill_id))[1]

    done = await eventually(status, lambda text: "COMPLETED" in text)
    assert "seen 30 · started 30 · already running 0 · skipped 0 · errors 0" in done
    assert "TikTok status: COMPLETED 30" in done
    await eventually(lambda: projections(stack, shop.shop_id), lambda rows: len(rows) == len(created))

    # Attached this time: it waits for the end and prints what it did (the orders' workflows ended).
    code, output = await creatorflow(env, "backfill", "--shop", shop.shop_id, "--since", since)
    assert code == 0, output
    assert "seen 30 · started 0 · already running 0 · skipped 30 · errors 0" in output


async def test_backfill_command_refuses_bad_input_clearly(
    stack: Stack, e2e_temporal: WorkflowEnvironment
) -> None:
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)
    code, output = await creatorflow(
        env, "backfill", "--shop", "7490000000000000000", "--since", "2026-10-01"
    )
    assert code == 2 and "shop 7490000000000000000 is not connected" in output
    code, output = await creatorflow(
        env, "backfill", "--shop", "1", "--since", "2026-10-01", "--until", "2026-09-01"
    )
    assert code == 2 and "must be before --until" in output
    code, output = await creatorflow(env, "backfill", "status", "backfill:nope")
    assert code == 2 and "no backfill 'backfill:nope'" in output
