"""Headless Chromium driven over the DevTools protocol: open a page, wait until it shows some text.

`--dump-dom` cannot be used on the Temporal UI: a running workflow's page keeps polling, so the page never
finishes loading. Reading `document.body.innerText` until the expected text appears is what a person
watching the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import websockets

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


class Page:
    def __init__(self, connection: websockets.ClientConnection) -> None:
        self._connection = connection
        self._ids = itertools.count(1)

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._connection.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self._connection.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    async def text(self) -> str:
        answer = await self._call(
            "Runtime.evaluate", expression="document.body.innerText", returnByValue=True
        )
        return str(answer["result"].get("value", ""))

    async def wait_for_text(self, wanted: str, timeout: float = 60) -> str:
        """The page's visible text once it contains `wanted`; fails with what was shown instead."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            shown = await self.text()
            if wanted in shown:
                return shown
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{wanted!r} never appeared; the page showed:\n{shown[:8000]}")
            await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def open_page(chromium: str, url: str, profile: Path) -> AsyncIterator[Page]:
    browser = await asyncio.create_subprocess_exec(
        chromium,
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port = await _devtools_port(profile)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            target = (await http.put(f"/json/new?{url}")).json()
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as connection:
            yield Page(connection)
    finally:
        browser.terminate()
        await browser.wait()


async def _devtools_port(profile: Path, timeout: float = 30) -> int:
    """Chromium writes the port it chose to `DevToolsActivePort` in its profile."""
    marker = profile / "DevToolsActivePort"
    for _ in range(int(timeout / 0.1)):
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        await asyncio.sleep(0.1)
    raise TimeoutError("Chromium did not open its DevTools port")
