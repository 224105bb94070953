"""`creatorflow worker` as separate processes beside a stack, as production runs it: the chaos tests kill
them, the lifecycle benchmark scales out over them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from devstack.polling import eventually
from devstack.stack import Stack

CREATORFLOW = Path(sys.executable).parent / "creatorflow"  # installed beside this Python


def worker_env(stack: Stack, temporal_address: str) -> dict[str, str]:
    """The test stack's settings, as the environment a separately started process reads them from."""
    s = stack.settings
    return {
        **os.environ,
        "CREATORFLOW_TEMPORAL__ADDRESS": temporal_address,
        "CREATORFLOW_TIKTOK__APP_KEY": s.tiktok.app_key,
        "CREATORFLOW_TIKTOK__APP_SECRET": s.tiktok.app_secret.get_secret_value(),
        "CREATORFLOW_TIKTOK__API_BASE_URL": s.tiktok.api_base_url,
        "CREATORFLOW_TIKTOK__AUTH_BASE_URL": s.tiktok.auth_base_url,
        "CREATORFLOW_TIKTOK__TIMEOUT_SECONDS": str(s.tiktok.timeout_seconds),
        "CREATORFLOW_SHIPPO__BASE_URL": s.shippo.base_url,
        "CREATORFLOW_EASYPOST__BASE_URL": s.easypost.base_url,
        "CREATORFLOW_DATABASE_URL": s.database_url,
        "CREATORFLOW_DATA_DIR": str(s.data_dir),
        # Without keys of its own, the stack uses the dev key under its data dir, as the process will.
        **(
            {"CREATORFLOW_ENCRYPTION_KEYS": s.encryption_keys.get_secret_value()} if s.encryption_keys else {}
        ),
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`creatorflow worker`, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen([str(CREATORFLOW), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


async def running_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A worker started as `start_worker` does, once it says it is connected to Temporal."""
    worker = start_worker(env, log)

    async def connected() -> bool:
        output = await asyncio.to_thread(log.read_text)
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.returncode}):\n{output[-3000:]}")
        return "worker connected to" in output

    await eventually(connected, bool, timeout=60)
    return worker
