"""`creatorflow dev`: the whole product on a laptop, with nothing to configure.

An embedded Temporal dev server (SQLite under `.creatorflow/`, UI on 8233), emulators of TikTok Shop,
Shippo and EasyPost, the webhook API and a worker. A sandbox seller authorizes the app, buyers place
orders, webhooks start one workflow per order, labels are bought, TikTok is told, carriers scan and
deliver, and you watch it happen.

Ctrl-C stops everything cleanly, and running it again resumes: Temporal's SQLite file, the app database and
the emulators' saved state (`sandbox/`, see `emulators.saved_state`) all stay under the data dir,
and the sandbox shop connected by the first run (`sandbox/shop.json`) is used again: running workflows carry
on and new orders are paid on the same shop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from pathlib import Path
from urllib.parse import quote

import typer
from pydantic import ValidationError
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from creatorflow.config import Settings, get_settings
from creatorflow.orders import FulfillmentState, OrderPolicy, reached
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop, running_emulators, running_stack
from emulators import saved_state
from emulators.saved_state import SavedStateError
from emulators.tiktok.admin_client import TikTokSandboxControl
from emulators.traffic import carriers_at_work
from starter import runtime
from starter.progress import changed_lines
from workers.devserver import start_dev_server
from workers.schedules import ensure_alerts_schedule

# TikTok's one-hour remorse window, our polls and the return window, shrunk so a demo takes a minute.
DEV_ORDERS = OrderPolicy(
    hold_poll=timedelta(seconds=10), tracking_poll=timedelta(seconds=30), return_window=timedelta(minutes=5)
)
DEV_TIKTOK = {"world": {"hold_window_seconds": 3}, "webhooks": {"retry_scale": 0.01}}
# Every shop's alerts are printed to this log (warnings on stderr), configured or not, this often.
DEV_ALERTS_EVERY = timedelta(seconds=30)
API_PORT = 8080
TEMPORAL_PORT = 7233


class Until(StrEnum):
    SHIPPED = "shipped"
    DELIVERED = "delivered"

    def reached_by(self, state: FulfillmentState) -> bool:
        milestone = FulfillmentState.SHIPPED if self is Until.SHIPPED else FulfillmentState.DELIVERED
        return reached(state, milestone)


def dev(
    orders: int = typer.Option(0, min=0, help="paid orders the TikTok emulator sells right away"),
    until: Until | None = typer.Option(
        None, help="exit once every order of this run got this far (earlier runs' orders carry on unwaited)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print a JSON summary at the end (with --until)"),
    timeout: float = typer.Option(600, help="with --until: give up (exit 1) after this many seconds"),
) -> None:
    """Run everything locally and watch orders flow from payment to delivery."""
    settings = get_settings()
    alerts = settings.alerts.model_copy(update={"log_all": True, "every": DEV_ALERTS_EVERY})
    settings = settings.model_copy(update={"orders": DEV_ORDERS, "alerts": alerts})
    _check_ports_free(settings)
    try:
        ok = asyncio.run(_dev(settings, orders, until, as_json, timeout))
    except KeyboardInterrupt:
        ok = True
    except (SavedStateError, IncompleteSandboxError) as error:
        Console(stderr=True).print(
            f"[red]{error}[/red]\nThat alone leaves Temporal's workflows referring to orders the emulators no"
            f" longer have: to start everything afresh, rm -rf {settings.data_dir}"
        )
        ok = False
    raise typer.Exit(0 if ok else 1)


def _check_ports_free(settings: Settings) -> None:
    ports = {"Temporal": TEMPORAL_PORT, "Temporal UI": settings.temporal.ui_port, "API": API_PORT}
    ports |= {"TikTok emulator": 9101, "Shippo emulator": 9102, "EasyPost emulator": 9103}
    for name, port in ports.items():
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise typer.BadParameter(
                    f"port {port} ({name}) is already in use: is another `creatorflow dev` running?"
                )


async def _dev(settings: Settings, orders: int, until: Until | None, as_json: bool, timeout: float) -> bool:
    console = Console(stderr=as_json)
    started = time.monotonic()
    with stdout_to_stderr():  # the dev server's banner and logs must not mix with --json output
        env = await start_dev_server(
            runtime.keyring(settings),
            database_file=settings.data_dir / "temporal.db",
            port=TEMPORAL_PORT,
            ui_port=settings.temporal.ui_port,
            # The UI decrypts payloads through our API, so operators read orders in clear there.
            ui_codec_endpoint=f"http://127.0.0.1:{API_PORT}/codec/{runtime.codec_token(settings)}",
        )
    async with env:
        sandbox = settings.data_dir / "sandbox"
        with running_emulators(settings, fixed_ports=True, tiktok=DEV_TIKTOK, state_dir=sandbox) as emulators:
            # Before any worker runs, so a shop the emulator lost never meets this run's workflows.
            remembered = await remembered_shop(emulators.tiktok_url, sandbox / "shop.json")
            async with running_stack(emulators, env.client, api_port=API_PORT) as stack:
                shop = remembered or await _connected_shop(stack, sandbox / "shop.json")
                await ensure_alerts_schedule(env.client, settings.alerts.every)
                resumed = remembered is not None
                carriers = stack.control, stack.emulators.carrier_urls, [shop.shop_id]
                async with carriers_at_work(*carriers, tick_seconds=1.0):
                    created = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=orders)
                    order_ids = {order["id"] for order in created}
                    console.print(_banner(settings, stack, shop, resumed, len(order_ids)), soft_wrap=True)
                    ok = await _watch(console, stack, shop, order_ids, until, timeout)
                    if as_json:
                        seconds = time.monotonic() - started
                        print(json.dumps(_summary(stack, shop, resumed, order_ids, until, seconds)))
                    return ok


class IncompleteSandboxError(Exception):
    """The shop an earlier run remembered is missing from the restored TikTok emulator: its state file was
    deleted (or replaced) while `shop.json` was kept."""

    def __init__(self, saved: Path, shop_id: str) -> None:
        super().__init__(
            f"The saved sandbox in {saved.parent} is incomplete: {saved.name} remembers shop {shop_id}, which"
            " the TikTok emulator restored from tiktok.state does not have (was tiktok.state deleted?)."
        )


async def remembered_shop(tiktok_url: str, saved: Path) -> SandboxShop | None:
    """The shop an earlier run connected and remembered in `saved`, which the TikTok emulator at
    `tiktok_url`, restored from its own saved state, must still have; None on a first run."""
    if not await asyncio.to_thread(saved.exists):
        return None
    try:
        shop = SandboxShop.model_validate_json(await asyncio.to_thread(saved.read_bytes))
    except ValidationError as error:
        raise SavedStateError(saved, str(error)) from error
    async with contextlib.aclosing(TikTokSandboxControl(tiktok_url)) as control:
        sellers = await control.sellers()
    if (shop.seller_id, shop.shop_id) not in {
        (seller.id, own.id) for seller in sellers for own in seller.shops
    }:
        raise IncompleteSandboxError(saved, shop.shop_id)
    return shop


async def _connected_shop(stack: Stack, saved: Path) -> SandboxShop:
    """A shop connected now through OAuth, remembered in `saved` for the next run."""
    shop = await connect_sandbox_shop(stack)
    await asyncio.to_thread(saved_state.write_atomically, saved, shop.model_dump_json().encode())
    return shop


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr while child processes are started, so they inherit that."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _banner(settings: Settings, stack: Stack, shop: SandboxShop, resumed: bool, orders: int) -> Text:
    query = quote(f"ShopId = '{shop.shop_id}'")
    ui = f"http://localhost:{settings.temporal.ui_port}/namespaces/default/workflows?query={query}"
    how = (
        f"resumed from {settings.data_dir}/ (earlier orders carry on)"
        if resumed
        else "connected through TikTok OAuth"
    )
    return Text.assemble(
        ("CreatorFlow dev\n", "bold"),
        f"  shop {shop.shop_id} {how}; {orders} new paid orders\n",
        f"  Temporal UI  {ui}\n",
        f"  API          {stack.api_url}   TikTok emulator {stack.emulators.tiktok_url}\n",
        f"  Ctrl-C stops everything; run again to resume from {settings.data_dir}/\n",
    )


def _counts(stack: Stack, shop: SandboxShop, order_ids: set[str]) -> Counter[FulfillmentState]:
    return Counter(
        FulfillmentState(record.state)
        for record in stack.store.orders(shop.shop_id)
        if record.order_id in order_ids
    )


async def _watch(
    console: Console,
    stack: Stack,
    shop: SandboxShop,
    order_ids: set[str],
    until: Until | None,
    timeout: float,
) -> bool:
    started = time.monotonic()
    with _progress_display(console) as show:
        while True:
            counts = await asyncio.to_thread(_counts, stack, shop, order_ids)
            labels = len(await asyncio.to_thread(stack.store.labels, shop.shop_id))
            elapsed = time.monotonic() - started
            show(Progress(counts, len(order_ids), labels, elapsed))
            if until is not None:
                done = sum(n for state, n in counts.items() if until.reached_by(state))
                if done == len(order_ids):
                    return True
                if elapsed > timeout:
                    console.print(f"[red]gave up after {timeout:.0f}s: {done}/{len(order_ids)} {until.value}")
                    return False
            await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Progress:
    """This run's orders by state, as the store has them, and the labels bought for the shop."""

    counts: Counter[FulfillmentState]
    total: int
    labels: int
    elapsed: float

    def rows(self) -> list[tuple[str, int]]:
        waiting = self.total - sum(self.counts.values())
        rows = [("(webhook on its way)", waiting)] if waiting else []
        return rows + [(state.value, self.counts[state]) for state in FulfillmentState if self.counts[state]]

    def table(self) -> Group:
        title = f"{self.total} orders · {self.labels} labels bought · {self.elapsed:.0f}s"
        table = Table(title=title, title_justify="left")
        table.add_column("state")
        table.add_column("orders", justify="right")
        for state, count in self.rows():
            table.add_row(state, str(count))
        return Group(table)

    def line(self) -> str:
        """The table in one line, without the seconds, so it changes only when the orders move."""
        states = " · ".join(f"{state} {count}" for state, count in self.rows())
        return f"{self.total} orders · {self.labels} labels bought" + (f" · {states}" if states else "")


@contextlib.contextmanager
def _progress_display(console: Console) -> Iterator[Callable[[Progress], None]]:
    """A live table on a terminal; anywhere else (a pipe, CI's log) a plain line whenever the orders move,
    as `creatorflow backfill` does."""
    if not console.is_terminal:
        plain = partial(console.print, markup=False, highlight=False, soft_wrap=True)
        yield changed_lines(Progress.line, plain)
        return
    with Live(console=console, refresh_per_second=4, transient=False) as live:
        yield lambda progress: live.update(progress.table())


def _summary(
    stack: Stack, shop: SandboxShop, resumed: bool, order_ids: set[str], until: Until | None, seconds: float
) -> dict[str, object]:
    """This run's orders: how far they got and the labels bought for them."""
    counts = _counts(stack, shop, order_ids)
    labels = [label for label in stack.store.labels(shop.shop_id) if label.order_id in order_ids]
    return {
        "shop_id": shop.shop_id,
        "resumed": resumed,
        "orders": len(order_ids),
        "until": until.value if until else None,
        "states": {state.value: count for state, count in sorted(counts.items())},
        "labels_bought": len(labels),
        "label_spend": str(sum((label.cost for label in labels), Decimal(0))),
        "seconds": round(seconds, 1),
    }
