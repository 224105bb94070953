"""Real receivers for alerts: an SMTP server process (aiosmtpd, delivering into a maildir) and an HTTP
endpoint that checks the webhook's signature the way a seller's receiver would."""

from __future__ import annotations

import contextlib
import hmac
import json
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from creatorflow.alerts.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from devstack.background_server import BackgroundServer


@dataclass
class SmtpServer:
    port: int
    maildir: Path

    def messages(self) -> list[Message]:
        return list(mailbox.Maildir(self.maildir, create=False))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """`python -m aiosmtpd` as its own process, on a free port, keeping every message it accepts."""
    maildir = tmp_path / "maildir"
    mailbox.Maildir(maildir, create=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"aiosmtpd did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.05)
        yield SmtpServer(port, maildir)
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class WebhookReceiver:
    """Accepts only correctly signed bodies; answers 500 to the first `fail_first` of those."""

    secret: bytes
    fail_first: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why each unsigned or failed request was refused
    url: str = ""

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        expected = sign(self.secret, timestamp, body)
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE_HEADER, "")):
            self.refused.append("bad signature")
            return Response("bad signature", status_code=401)
        if self.fail_first > 0:
            self.fail_first -= 1
            self.refused.append("failed on purpose")
            return Response("down", status_code=500)
        self.accepted.append(json.loads(body))
        return Response("ok")


@contextlib.contextmanager
def webhook_receiver(secret: str, fail_first: int = 0) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret.encode(), fail_first)
    app = Starlette(routes=[Route("/hook", receiver.receive, methods=["POST"])])
    with BackgroundServer(app) as server:
        receiver.url = f"{server.url}/hook"
        yield receiver
