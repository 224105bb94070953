"""Webhook storm: every event the emulators push reaches the API three times, shuffled and concurrently, among
forged and malformed ones. Forged → 401 and nothing kept; malformed → 400 and the raw body kept; genuine →
200, each distinct event recorded once and forwarded; none lost, and every order ends where it should."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Literal

import httpx
from fastapi import FastAPI, Request, Response

from creatorflow.config import Settings
from creatorflow.store.tables import WebhookRow, WebhookStatus
from devstack.polling import eventually
from devstack.stack import Stack, aim_webhooks, carrier_traffic, connect_sandbox_shop
from starter.serving import serving
from tests.e2e.test_order_lifecycle import (
    labels_sold,
    projections,
    ship_calls,
    shipped_path,
)
from tests.e2e.webhooks import SIGNATURE_HEADERS, Source, Webhook, forger, signed

SHIPPED, CANCELLED = 8, 3  # orders carried to delivery; orders the buyer cancels before paying
ROUND_SECONDS = 0.5

Verdict = Literal["genuine", "forged", "malformed"]
ANSWER: dict[Verdict, int] = {"genuine": 200, "forged": 401, "malformed": 400}


@dataclass(frozen=True)
class Shot:
    verdict: Verdict
    kind: str
    webhook: Webhook


def tampered(body: bytes) -> bytes:
    return json.dumps({**json.loads(body), "forged": True}).encode()


Forge = Callable[[Settings, Webhook], Webhook]
FORGERIES: dict[str, Forge] = {
    "guessed secret": lambda settings, push: signed(forger(settings), push.source, push.body),
    "no proof": lambda _, push: replace(push, headers={}, query={}),
    "garbled proof": lambda _, push: replace(
        push,
        headers={name: value[::-1] for name, value in push.headers.items()},
        query={name: value[::-1] for name, value in push.query.items()},
    ),
    # Shippo's token is in the URL, not over the body: only TikTok's and EasyPost's proofs can be replayed
    # onto another body (see `forgeries_of`).
    "genuine proof, other body": lambda _, push: push.with_body(tampered(push.body)),
}
BODY_FORGERY = "genuine proof, other body"
MALFORMATIONS: dict[str, Callable[[bytes], bytes]] = {
    "not JSON": lambda body: b"<html>" + body,
    "truncated": lambda body: body[: len(body) // 2],
    "wrong shape": lambda body: json.dumps([json.loads(body)]).encode(),
}


def forgeries_of(source: Source) -> list[str]:
    return [kind for kind in FORGERIES if not (source == "shippo" and kind == BODY_FORGERY)]


class Storm:
    """Stands between the emulators and the API. It answers every push 200 at once and keeps it; each round,
    it sends the API what came in since, twice over, with one forgery and one malformed copy of each push
    and the third copies of the round before (late, when newer events may have been acted on), shuffled
    and all at once."""

    def __init__(self, stack: Stack, seed: int = 8) -> None:
        self.pushes: list[Webhook] = []
        self.answers: list[tuple[Shot, int]] = []
        self._stack = stack
        self._rng = random.Random(seed)
        self._new: list[Webhook] = []
        self._late: list[Webhook] = []
        self._sent: Counter[Source] = Counter()

    def relay(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/{source}")
        async def receive(source: Source, request: Request) -> Response:
            headers = {name: request.headers[name] for name in SIGNATURE_HEADERS if name in request.headers}
            push = Webhook(source, await request.body(), headers, dict(request.query_params))
            self.pushes.append(push)
            self._new.append(push)
            return Response(status_code=200)

        return app

    @property
    def calm(self) -> bool:
        return not self._new and not self._late

    async def blow(self, until: asyncio.Event) -> None:
        while not until.is_set():
            await asyncio.sleep(ROUND_SECONDS)
            await self.round()

    async def round(self) -> None:
        pushes, late = self._new, self._late
        self._new, self._late = [], pushes
        shots = [Shot("genuine", "late copy", push) for push in late]
        for push in pushes:
            shots += [Shot("genuine", "copy", push)] * 2 + [self._forged(push), self._malformed(push)]
            self._sent[push.source] += 1
        self._rng.shuffle(shots)
        async with httpx.AsyncClient(timeout=60) as http:
            answers = await asyncio.gather(
                *(http.send(shot.webhook.request(self._stack.api_url)) for shot in shots)
            )
        self.answers += [(shot, answer.status_code) for shot, answer in zip(shots, answers, strict=True)]

    def _forged(self, push: Webhook) -> Shot:
        """Each source's forgeries in turn, so every kind is tried."""
        kinds = forgeries_of(push.source)
        kind = kinds[self._sent[push.source] % len(kinds)]
        return Shot("forged", kind, FORGERIES[kind](self._stack.settings, push))

    def _malformed(self, push: Webhook) -> Shot:
        """Likewise each malformation, correctly signed."""
        kind = list(MALFORMATIONS)[self._sent[push.source] % len(MALFORMATIONS)]
        body = MALFORMATIONS[kind](push.body)
        return Shot("malformed", kind, signed(self._stack.settings, push.source, body))


@contextlib.asynccontextmanager
async def storming(stack: Stack) -> AsyncIterator[Storm]:
    """Every emulator's webhooks through a storm; on the way out, the storm blows itself out and the
    webhooks go straight to the API again."""
    storm = Storm(stack)
    async with serving(storm.relay()) as relay_url:
        await aim_webhooks(stack.emulators, stack.control, relay_url)
        over = asyncio.Event()
        blowing = asyncio.create_task(storm.blow(until=over))
        try:
            yield storm
        finally:
            over.set()
            await blowing  # the round under way ends
            await aim_webhooks(stack.emulators, stack.control, stack.api_url)
    while not storm.calm:
        await storm.round()


async def fail_shippo_quotes(stack: Stack, failing: bool) -> None:
    """While Shippo cannot quote, orders ship on EasyPost's rates (else Shippo wins the price tie): so both
    carriers' webhooks are in the storm."""
    rules = [{"path": "/shipments", "method": "POST", "error_rate": 1.0}] if failing else []
    async with httpx.AsyncClient(timeout=30) as http:
        (await http.put(f"{stack.emulators.shippo_url}/_admin/faults", json=rules)).raise_for_status()


async def labelled(stack: Stack, shop_id: str) -> list[str]:
    """The orders with a label, one entry per label."""
    return sorted(label.order_id for label in await asyncio.to_thread(stack.store.labels, shop_id=shop_id))


async def inbox(stack: Stack) -> list[WebhookRow]:
    return await asyncio.to_thread(stack.store.webhooks, limit=100_000)


async def states(stack: Stack, shop_id: str) -> dict[str, str]:
    return {row.order_id: row.state for row in await projections(stack, shop_id)}


async def undelivered(stack: Stack) -> list[str]:
    """TikTok's notifications not yet answered 200 (by the storm's relay)."""
    return [d["outcome"] for d in await stack.control.deliveries() if d["outcome"] != "delivered"]


async def test_every_event_three_times_shuffled_among_forged_and_malformed_ones(stack: Stack) -> None:
    """Half the paid orders ship with EasyPost, half with Shippo, and are delivered; a few are cancelled by
    the buyer before paying. Every webhook of their lives, TikTok's and the carriers', goes through the
    storm."""
    async with storming(stack) as storm:
        shop = await connect_sandbox_shop(stack)
        await fail_shippo_quotes(stack, True)
        by_easypost = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=SHIPPED // 2)
        easypost_ids = sorted(order["id"] for order in by_easypost)
        await eventually(lambda: labelled(stack, shop.shop_id), easypost_ids.__eq__, timeout=120)
        await fail_shippo_quotes(stack, False)
        by_shippo = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=SHIPPED - SHIPPED // 2)
        shipped = by_easypost + by_shippo
        cancelled = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=CANCELLED, paid=False)
        for order in cancelled:
            await stack.control.cancel_by_buyer(order["id"])
        expected = {order["id"]: "DELIVERED" for order in shipped}
        expected |= {order["id"]: "CANCELLED" for order in cancelled}
        async with carrier_traffic(stack, shop.shop_id):
            await eventually(lambda: states(stack, shop.shop_id), expected.__eq__, timeout=240)
        await eventually(lambda: undelivered(stack), lambda outcomes: outcomes == [], timeout=60)

    # Every copy answered 200, every forgery 401, every malformed body 400; every kind of each was sent.
    wrong = [
        (shot.verdict, shot.kind, status) for shot, status in storm.answers if status != ANSWER[shot.verdict]
    ]
    assert wrong == []
    assert {shot.kind for shot, _ in storm.answers if shot.verdict == "forged"} == set(FORGERIES)
    assert {shot.kind for shot, _ in storm.answers if shot.verdict == "malformed"} == set(MALFORMATIONS)
    assert {push.source for push in storm.pushes} == {"tiktok", "shippo", "easypost"}

    # Each distinct event recorded exactly once (a push TikTok retried is the same event) and forwarded, or
    # ignored saying why (a late one for a finished order); nothing forged kept; every malformed body kept.
    rows = await eventually(
        lambda: inbox(stack), lambda rows: all(row.status is not WebhookStatus.RECEIVED for row in rows)
    )
    events = [row for row in rows if row.status is not WebhookStatus.MALFORMED]
    assert sorted(row.body for row in events) == sorted({push.body for push in storm.pushes})
    assert all(row.status is WebhookStatus.FORWARDED or row.error for row in events)
    malformed = [row for row in rows if row.status is WebhookStatus.MALFORMED]
    assert {row.body for row in malformed} == {
        shot.webhook.body for shot, _ in storm.answers if shot.verdict == "malformed"
    }
    assert all(row.error for row in malformed)

    # One label per shipped order, none for a cancelled one; one TikTok ship per package.
    sold = await labels_sold(stack)
    assert sum(sold.values()) == SHIPPED and set(sold.values()) == {1}
    assert await labelled(stack, shop.shop_id) == sorted(order["id"] for order in shipped)
    assert await ship_calls(stack) == Counter(shipped_path(order["id"]) for order in shipped)
