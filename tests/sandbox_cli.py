"""`creatorflow sandbox <service> --port P` as a real process on a free port, as a developer starts one."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port
from tests.processes import CREATORFLOW

START_SECONDS = 15.0


@contextmanager
def sandbox_process(
    service: str, *options: str, workdir: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """The emulator's base URL once it answers. It runs in `workdir` (no stray `.env` is read), with
    `env` added to this process's environment, its output in `workdir/<service>.log`; stopped on exit."""
    port = free_port()
    log = workdir / f"{service}.log"
    command = [str(CREATORFLOW), "sandbox", service, "--port", str(port), *options]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=workdir, env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"creatorflow sandbox {service}", process, url, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_serving(name: str, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Every emulator mounts `/_admin/faults`; it answering means the app is up."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/_admin/faults", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer within {START_SECONDS} s:\n{log.read_text()[-3000:]}")
