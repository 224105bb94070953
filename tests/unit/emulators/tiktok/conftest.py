"""A fresh TikTok Shop emulator per test on a real loopback port, and a webhook receiver recording pushes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tiktok_sandbox_helpers import Emulator, Push, Receiver, Shop, StartEmulator, running_emulator

from devstack.background_server import BackgroundServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """One emulator per test module; tests keep apart by each using a seller and shop of their own."""
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def start_emulator() -> Iterator[StartEmulator]:
    """`start_emulator(**config_overrides)`: a fresh emulator, for tests that turn global knobs."""
    with ExitStack() as stack:
        yield lambda **overrides: stack.enter_context(running_emulator(**overrides))


@pytest.fixture
def shop(emulator: Emulator) -> Shop:
    return emulator.new_shop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received = Receiver()

    async def hook(request: Request) -> Response:
        received.pushes.append(Push(dict(request.headers), await request.body()))
        return Response(status_code=received.statuses.pop(0) if received.statuses else 200)

    with BackgroundServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as server:
        received.url = f"{server.url}/hook"
        yield received
