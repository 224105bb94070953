"""The `creatorflow` command run as separate processes against a test stack, as an operator runs it."""

from __future__ import annotations

import asyncio
import signal
import subprocess

from devstack.processes import CREATORFLOW, running_worker, start_worker, worker_env

__all__ = ["CREATORFLOW", "creatorflow", "kill", "running_worker", "start_worker", "worker_env"]


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL, as a crashed host or the OOM killer ends a process: no shutdown, nothing handed back."""
    process.send_signal(signal.SIGKILL)
    process.wait()


async def creatorflow(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the command to its end without blocking the loop the test stack's workers run on."""
    process = await asyncio.create_subprocess_exec(
        str(CREATORFLOW),
        *args,
        env={**env, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()
