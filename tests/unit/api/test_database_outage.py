"""The app database unreachable under the API: webhooks are refused with 503 (their senders retry), never
answered 200 unrecorded; `/readyz` names the database; the outage is logged once, not per request.

The outage is real: the store's engine is pointed at a PostgreSQL address where nothing listens (the
connection is refused, as by a stopped server), then back at its database. The chaos suite stops a real
PostgreSQL under the whole stack (tests/chaos/test_database_outage.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from creatorflow.api.app import RETRY_AFTER_SECONDS
from creatorflow.store.db import describe, make_engine, unreachable
from creatorflow.store.tables import WebhookStatus
from tests.unit.api.test_webhook_inbox import Api, api, order_event

__all__ = ["api"]  # the fixture, shared with the inbox tests


@contextlib.contextmanager
def refused_database() -> Iterator[Engine]:
    """An engine on a port bound but not listening: every connect is refused while it is held."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        engine = make_engine(f"postgresql://postgres@127.0.0.1:{held.getsockname()[1]}/test")
        try:
            yield engine
        finally:
            engine.dispose()


@contextlib.contextmanager
def database_down(api: Api) -> Iterator[None]:
    working = api.store.engine
    with refused_database() as refused:
        api.store.engine = refused
        try:
            yield
        finally:
            api.store.engine = working


def outage_lines(caplog: pytest.LogCaptureFixture) -> tuple[logging.LogRecord, logging.LogRecord]:
    """The line saying the database went, and the one saying it is back. A call already under way when
    the test takes the database away may still get through: that is one more went-and-back at the edge,
    never a line per request or pass."""
    lines = [record for record in caplog.records if "app database" in record.getMessage()]
    assert 2 <= len(lines) <= 4, [line.getMessage() for line in lines]
    return lines[0], lines[-1]


async def test_webhooks_are_refused_with_503_while_the_database_is_down_and_accepted_after(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with database_down(api):
        refused = [await api.post(order_event(notification=f"n{n}")) for n in range(3)]
        assert [answer.status_code for answer in refused] == [503] * 3
        assert {answer.headers["retry-after"] for answer in refused} == {str(RETRY_AFTER_SECONDS)}
        assert [answer.content for answer in refused] == [b""] * 3
    assert api.gateway.signals == [] and api.store.webhooks() == []

    # TikTok sends each again; now they are recorded and forwarded.
    for n in range(3):
        assert (await api.post(order_event(notification=f"n{n}"))).status_code == 200
    assert [row.status for row in await api.handled()] == [WebhookStatus.FORWARDED] * 3

    went, back = outage_lines(caplog)
    assert went.levelno == logging.WARNING and went.exc_info is None
    assert "app database unreachable (OperationalError: " in went.getMessage()
    assert back.levelno == logging.INFO and "3 webhooks were answered 503" in back.getMessage()


async def test_a_malformed_body_the_database_cannot_keep_is_503_too(api: Api) -> None:
    with database_down(api):
        assert (await api.post(b'{"type": 1, "shop_id": ')).status_code == 503


async def test_readyz_names_the_database_while_it_is_down(api: Api) -> None:
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{api.url}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "checks": {"database": True, "temporal": True}, "failing": {}}
        with database_down(api):
            down = await http.get(f"{api.url}/readyz")
        assert down.status_code == 503
        body = down.json()
        assert body["ready"] is False and body["checks"] == {"database": False, "temporal": True}
        assert list(body["failing"]) == ["database"]
        assert body["failing"]["database"].startswith("OperationalError: ")


async def test_the_forwarder_says_once_that_the_database_is_gone(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Every pass fails while it is down; one warning says so, without a stack trace per pass, and what
    was accepted before is forwarded once it is back."""
    caplog.set_level(logging.INFO)
    api.gateway.up = False
    assert (await api.post(order_event())).status_code == 200
    api.gateway.up = True
    forwarder = asyncio.create_task(api.inbox.run_forwarder(interval=0.01))
    try:
        with database_down(api):
            await until(lambda: api.inbox.database.down)
            await asyncio.sleep(0.2)  # several more passes fail meanwhile
        await until(lambda: not api.inbox.database.down)
        forwarded = await api.handled()  # once its retry is due
    finally:
        forwarder.cancel()
    assert [row.status for row in forwarded] == [WebhookStatus.FORWARDED]
    went, back = outage_lines(caplog)
    assert "unreachable" in went.getMessage() and "reachable again" in back.getMessage()
    assert [record for record in caplog.records if record.exc_info] == []


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


def test_unreachable_tells_a_lost_database_from_a_refused_statement() -> None:
    with refused_database() as engine, pytest.raises(OperationalError) as refused, engine.connect():
        pass
    assert unreachable(refused.value)
    assert describe(refused.value).startswith("OperationalError: ")
    assert "\n" not in describe(refused.value)
    duplicate = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    assert not unreachable(duplicate)
    assert not unreachable(ValueError("not a database error"))
