"""`creatorflow backfill`, run as a user runs it, against the test stack's Temporal and database."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.testing import WorkflowEnvironment

from creatorflow.names import order_workflow_id
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from tests.e2e.test_order_lifecycle import projections
from tests.processes import creatorflow, worker_env
from workers.schedules import delete_reconcile_schedule


async def test_backfill_command_detaches_reports_status_and_a_second_run_changes_nothing(
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
    # Completed on TikTok: recorded from the search page, no workflow.
    assert "seen 30 · started 0 · already running 0 · skipped 0 · errors 0" in done
    assert "closed, recorded without a workflow 30" in done
    assert "TikTok status: COMPLETED 30" in done
    rows = await projections(stack, shop.shop_id)
    assert {(row.order_id, row.state) for row in rows} == {(order["id"], "COMPLETED") for order in created}

    # Attached this time: it waits for the end and prints what it did (nothing new).
    code, output = await creatorflow(env, "backfill", "--shop", shop.shop_id, "--since", since)
    assert code == 0, output
    assert "seen 30 · started 0 · already running 0 · skipped 0 · errors 0" in output
    assert len(await projections(stack, shop.shop_id)) == len(created)


async def test_backfill_command_dry_run_counts_only_and_until_takes_only_its_window(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    """Attached, with no terminal (as in CI's log): plain progress lines, then the outcome."""
    await delete_reconcile_schedule(stack.client, shop.shop_id)
    now = int(time.time())

    async def in_transit(count: int, days_ago: int) -> list[dict[str, Any]]:
        return await stack.control.create_orders(
            shop.shop_id, shop.sku_id, count=count, status="IN_TRANSIT", create_time=now - days_ago * 86400
        )

    older, recent = await in_transit(12, days_ago=5), await in_transit(8, days_ago=1)
    since, until = (f"{datetime.now(UTC) - timedelta(days=days):%Y-%m-%d}" for days in (6, 3))
    env = worker_env(stack, e2e_temporal.client.service_client.config.target_host)

    code, output = await creatorflow(env, "backfill", "--shop", shop.shop_id, "--since", since, "--dry-run")
    assert code == 0, output
    assert f"backfill:{shop.shop_id}:{since}:now:dry-run: COMPLETED" in output
    assert "progress: pages 1 · seen 20 · started 0 · already running 0 · skipped 0 · errors 0" in output
    assert "TikTok status: IN_TRANSIT 20" in output
    assert await projections(stack, shop.shop_id) == []

    code, output = await creatorflow(
        env, "backfill", "--shop", shop.shop_id, "--since", since, "--until", until
    )
    assert code == 0, output
    assert f"backfill:{shop.shop_id}:{since}:{until}: COMPLETED" in output
    assert "progress: pages 1 · seen 12 · started 12 · already running 0 · skipped 0 · errors 0" in output
    assert "\x1b" not in output and "━" not in output  # no terminal: no escape codes, no bar

    async def order_workflows() -> set[str]:
        query = f"WorkflowType = 'OrderWorkflow' AND ShopId = '{shop.shop_id}'"
        return {execution.id async for execution in stack.client.list_workflows(query)}

    # Only the window's orders have workflows: the dry run started none, --until left the recent out.
    started = await eventually(order_workflows, lambda ids: len(ids) >= len(older))
    assert started == {order_workflow_id(shop.shop_id, order["id"]) for order in older}
    assert not started & {order_workflow_id(shop.shop_id, order["id"]) for order in recent}


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
