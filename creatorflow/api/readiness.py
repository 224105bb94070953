"""`/readyz`: can this API do its work now? Each dependency is asked something cheap, with a deadline, so
a probe gets its answer even when a dependency hangs instead of refusing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from creatorflow.api.inbox import WebhookInbox
from creatorflow.store import Store
from creatorflow.store.db import describe

CHECK_TIMEOUT_SECONDS = 2.0
T = TypeVar("T")


class Readiness(BaseModel):
    """Every dependency checked; those failing are named with why (what a 503 is about)."""

    ready: bool
    checks: dict[str, bool]
    failing: dict[str, str] = {}


async def readiness(store: Store, inbox: WebhookInbox) -> Readiness:
    database, temporal = await asyncio.gather(_database(store.engine), _temporal(inbox))
    problems = {"database": database, "temporal": temporal}
    failing = {name: why for name, why in problems.items() if why is not None}
    return Readiness(
        ready=not failing, checks={name: why is None for name, why in problems.items()}, failing=failing
    )


async def _database(engine: Engine) -> str | None:
    """None when `SELECT 1` answers in time, else why not (the driver's error, in one line)."""
    try:
        await _in_time(asyncio.to_thread(_select_one, engine))
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"
    except SQLAlchemyError as exc:
        return describe(exc)
    return None


async def _temporal(inbox: WebhookInbox) -> str | None:
    try:
        healthy = await _in_time(inbox.gateway_ready())
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"
    return None if healthy else "not reachable"


async def _in_time(check: Awaitable[T]) -> T:
    return await asyncio.wait_for(check, timeout=CHECK_TIMEOUT_SECONDS)


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("select 1"))
