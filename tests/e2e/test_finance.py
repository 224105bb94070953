"""Finance end to end: orders shipped on our labels settle in TikTok's statements; the sync reads them
once however often it runs, and the report's figures are what the orders and labels imply, with the
short-paid and the never-settled orders flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from creatorflow.finance import FinancePolicy
from creatorflow.names import finance_schedule_id
from devstack.stack import SandboxShop, Stack
from tests.e2e.test_order_lifecycle import paid_until_shipped
from tests.processes import creatorflow, worker_env
from workers.finance import start_finance_sync

DAY = 24 * 3600
D = Decimal


async def test_statements_sync_once_and_the_report_follows_the_orders_and_labels(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    # Connecting the shop gave it a daily finance Schedule.
    schedule = await stack.client.get_schedule_handle(finance_schedule_id(shop.shop_id)).describe()
    assert schedule.id == finance_schedule_id(shop.shop_id)

    first, second, short, in_transit = sorted(await paid_until_shipped(stack, shop, 4, timeout=120))
    totals = {o["id"]: D(o["payment"]["total_amount"]) for o in await stack.control.shop_orders(shop.shop_id)}
    await stack.control.short_settle(short, "3.00")
    for order_id in (first, second, short):
        for action in ("carrier_scan", "deliver", "complete"):
            await stack.control.act(order_id, action)  # type: ignore[arg-type]
    await stack.control.act(in_transit, "carrier_scan")
    now = await stack.control.clock()
    await stack.control.advance_clock((now // DAY + 1) * DAY - now)  # TikTok's statement, at midnight

    synced = await (await start_finance_sync(stack.client, shop.shop_id, FinancePolicy())).result()
    assert (synced.statements, synced.orders) == (1, 3)
    transactions = stack.store.finance_transactions(shop.shop_id)
    assert synced.transactions == len(transactions) >= 3

    # Again, from the CLI and from the start: the same rows, none twice.
    env = {
        **worker_env(stack, e2e_temporal.client.service_client.config.target_host),
        "CREATORFLOW_FINANCE__UNSETTLED_AFTER": "PT1S",  # shipped a second ago is "never settled" here
    }
    code, output = await creatorflow(env, "finance", "sync", "--shop", shop.shop_id, "--since", "2020-01-01")
    assert code == 0, output
    assert f"1 statements, {len(transactions)} transactions, 3 orders" in output
    unsynced = {"synced_at"}
    assert [t.model_dump(exclude=unsynced) for t in stack.store.finance_transactions(shop.shop_id)] == [
        t.model_dump(exclude=unsynced) for t in transactions
    ]
    assert (
        len(stack.store.statements(shop.shop_id)) == 1 and len(stack.store.finance_orders(shop.shop_id)) == 3
    )

    code, output = await creatorflow(env, "report", "finance", "--shop", shop.shop_id, "--json", "--orders")
    assert code == 0, output
    report = json.loads(output)
    orders = {order["order_id"]: order for order in report["orders"]}
    assert set(orders) == {first, second, short, in_transit}
    labels = {label.order_id: label.cost for label in stack.store.labels(shop_id=shop.shop_id)}
    adjustments = {t.order_id: t.settlement_amount for t in transactions if t.type != "ORDER"}
    for order_id in (first, second):
        fee = (totals[order_id] * D("0.06")).quantize(D("0.01"))
        figures = orders[order_id]
        assert (D(figures["revenue"]), D(figures["tiktok_fees"])) == (totals[order_id], fee)
        assert D(figures["shipping"]) == labels[order_id]
        assert (D(figures["difference"]), figures["flags"]) == (0, [])
        margin = totals[order_id] - fee - labels[order_id] + (adjustments.get(order_id) or 0)
        assert D(figures["margin"]) == margin
    assert (D(orders[short]["difference"]), orders[short]["flags"]) == (D("-3.00"), ["settlement_differs"])
    assert orders[in_transit]["margin"] is None and orders[in_transit]["flags"] == ["unsettled"]
    [line] = report["shops"]
    assert (line["settled"], line["unsettled"], line["flagged"]) == (3, 1, 2)
    assert D(line["margin"]) == sum(D(orders[o]["margin"]) for o in (first, second, short))

    code, output = await creatorflow(env, "report", "finance", "--shop", shop.shop_id, "--csv")
    assert code == 0, output
    header, row = output.strip().splitlines()
    assert header.startswith("shop_id,currency,settled,unsettled,flagged,revenue")
    assert row.startswith(f"{shop.shop_id},USD,3,1,2,")
    code, output = await creatorflow(env, "report", "finance", "--shop", shop.shop_id)
    assert code == 0, output
    assert "finance" in output and shop.shop_id in output
    assert datetime.fromisoformat(report["generated_at"]) <= datetime.now(UTC)
