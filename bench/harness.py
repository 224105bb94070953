"""What every benchmark shares: a throwaway stack on free ports, bounded waits, and the one JSON line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from creatorflow.orders import OrderPolicy
from devstack.dev import stdout_to_stderr
from devstack.fast import FAST_TIKTOK, fast_settings
from devstack.stack import SandboxShop, Stack, connect_sandbox_shop, running_emulators, running_stack
from starter import runtime
from workers.devserver import start_dev_server
from workers.schedules import delete_reconcile_schedule

T = TypeVar("T")


@contextlib.asynccontextmanager
async def sandbox(orders: OrderPolicy, *, with_workers: bool = True) -> AsyncIterator[Stack]:
    """A dev server of its own (SQLite file, WAL pragmas), the emulators, the API and (unless not) the
    workers, as `creatorflow dev` runs them, on free ports and under a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="creatorflow-bench-") as data_dir:
        settings = fast_settings(Path(data_dir), orders=orders)
        database = settings.data_dir / "temporal.db"
        env = await start_dev_server(runtime.keyring(settings), database_file=database)
        async with env:
            with running_emulators(settings, fixed_ports=False, tiktok=FAST_TIKTOK) as emulators:
                async with running_stack(
                    emulators, env.client, forward_interval=0.5, with_workers=with_workers
                ) as stack:
                    yield stack


async def quiet_shop(stack: Stack) -> SandboxShop:
    """A shop connected through OAuth, without its reconcile Schedule, so no pass runs mid-measurement."""
    shop = await connect_sandbox_shop(stack)
    await delete_reconcile_schedule(stack.client, shop.shop_id)
    return shop


def cpu_seconds(workers: frozenset[int] = frozenset()) -> dict[str, float]:
    """CPU seconds used so far by the emulators' server threads, by the rest of this process (API, store,
    and the workers unless they run apart), by the `workers` processes given, and by the other children
    (the dev server and, in the webhook benchmark, the sender): where a benchmark's time goes. From /proc."""
    emulators = {t.native_id for t in threading.enumerate() if t.name.startswith("uvicorn:")}
    emulator_ticks = sum(_ticks(Path(f"/proc/self/task/{tid}/stat")) for tid in emulators if tid)
    children = {
        int(stat.parent.name): _ticks(stat)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent(stat) == os.getpid()
    }
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {
        "emulators": emulator_ticks / ticks,
        "other_python": time.process_time() - emulator_ticks / ticks,
        "children": sum(n for pid, n in children.items() if pid not in workers) / ticks,
    }
    if workers:
        spent["worker_processes"] = sum(n for pid, n in children.items() if pid in workers) / ticks
    return spent


def _stat_fields(stat: Path) -> list[str]:
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile
        return []


def _parent(stat: Path) -> int:
    fields = _stat_fields(stat)
    return int(fields[1]) if fields else 0


def _ticks(stat: Path) -> int:
    fields = _stat_fields(stat)
    return int(fields[11]) + int(fields[12]) if fields else 0  # utime + stime


def cpu_ms_per(count: int, before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(1000 * (after[name] - before[name]) / count, 1) for name in before}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure(benchmark: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Run a benchmark and print its one line on stdout. While it runs, file descriptor 1 points at stderr:
    the SDK's core and the dev server write their logs there. The load average before and after says
    whether something else shared the machine."""
    load_before = os.getloadavg()[0]
    with stdout_to_stderr():
        result = asyncio.run(benchmark)
    result["load_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result), flush=True)


def ratio(measured: float, baseline: float) -> float:
    return round(measured / baseline, 3) if baseline else 0.0
