"""Fuzz the webhook endpoints over real HTTP: whatever a sender posts, the API never answers 5xx.

Nine examples in ten are signed with the stack's real secrets, so the fuzz reaches the parsing and
routing behind verification, not only the 401 path. Bodies are events shaped like the real ones (right
keys, odd values, fields left out), truncated ones, any JSON, and any bytes.

Hypothesis is synchronous, and the API serves on the test's event loop, so the examples run in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from creatorflow.store.tables import WebhookRow, WebhookStatus
from devstack.stack import SandboxShop, Stack
from tests.e2e.webhooks import SOURCES, Source, forger, signed

EXAMPLES = 300  # per endpoint
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # each example is a real HTTP round trip on a shared, loaded machine
    derandomize=True,  # the same examples on every run, in CI as on a laptop
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MOSTLY_SIGNED = st.sampled_from((True,) * 9 + (False,))

# Values no sender should send: nulls, huge and negative numbers, NaN, unicode, NUL, lone surrogates,
# and nested junk.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ODD = JSON | st.sampled_from(
    [
        2**63,
        -(2**63) - 1,
        10**30,
        -1,
        0,
        1e308,
        "",
        "\x00",
        "\ud800",
        "运单 📦 Ünïcødé \u202e",
        "null",
        "1" * 5000,
    ]
)


def fields(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every field of a JSON value, at any depth, as (the object holding it, its key)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield value, key
            yield from fields(child)
    elif isinstance(value, list):
        for child in value:
            yield from fields(child)


@st.composite
def spoiled(draw: st.DrawFn, events: st.SearchStrategy[Any]) -> Any:
    """A real-shaped event with up to three of its fields, at any depth, given an odd value or left out."""
    event = draw(events)
    every = list(fields(event))
    for index in draw(st.lists(st.integers(0, len(every) - 1), max_size=3, unique=True)):
        holder, key = every[index]
        if draw(st.booleans()):
            holder[key] = draw(ODD)
        else:
            holder.pop(key, None)  # an outer field may already be gone, with this one inside it
    return event


def bodies(events: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Mostly real-shaped events; the rest cut short, any JSON, or any bytes."""
    shaped = spoiled(events).map(lambda event: json.dumps(event).encode())
    truncated = st.tuples(shaped, st.floats(0, 1)).map(lambda cut: cut[0][: int(len(cut[0]) * cut[1])])
    any_json = JSON.map(lambda value: json.dumps(value).encode())
    return st.one_of(shaped, shaped, shaped, truncated, any_json, st.binary())


def record(shape: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(dict(shape))


IDS = st.integers(10**17, 10**19).map(str)
TIMES = st.integers(1_600_000_000, 1_900_000_000)
WORDS = st.text(max_size=40)
ISO_TIMES = st.datetimes(timezones=st.just(UTC)).map(lambda at: at.isoformat())


def tiktok_events(shop_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """TikTok's envelope (reference §7.2) around the data of each topic we act on (§7.4), and others."""
    order = {"order_id": IDS, "update_time": TIMES}
    data: dict[int, dict[str, st.SearchStrategy[Any]]] = {
        1: {
            **order,
            "order_status": st.sampled_from(["ON_HOLD", "AWAITING_SHIPMENT", "CANCEL", "DELIVERED"]),
            "is_on_hold_order": st.booleans(),
        },
        3: order,
        4: {
            "sc_type": st.sampled_from(["COMBINE", "SPLIT"]),
            "role_type": st.just("ROLE_SYSTEM"),
            "package_list": st.lists(record({"package_id": IDS, "order_id_list": st.lists(IDS, max_size=2)})),
            "update_time": TIMES,
        },
        5: {"product_id": IDS, "status": st.just("PRODUCT_STATUS_CHANGED"), "update_time": TIMES},
        6: {"message": WORDS},
        7: {"message": WORDS, "expiration_time": TIMES.map(str)},
        11: {
            **order,
            "cancel_id": IDS,
            "cancellations_role": st.sampled_from(["BUYER", "SELLER", "SYSTEM"]),
            "cancel_status": st.sampled_from(["PENDING", "COMPLETE"]).map("CANCELLATION_REQUEST_{}".format),
            "create_time": TIMES,
        },
        12: {
            **order,
            "return_id": IDS,
            "return_type": st.sampled_from(["REFUND", "RETURN_AND_REFUND"]),
            "return_status": st.sampled_from(["PENDING", "SUCCESS"]).map(
                "RETURN_OR_REFUND_REQUEST_{}".format
            ),
            "create_time": TIMES,
        },
        13: {"conversation_id": IDS},
        16: {"product_id": IDS, "update_time": TIMES},
    }
    return st.sampled_from(sorted(data)).flatmap(
        lambda topic: record(
            {
                "type": st.just(topic),
                "tts_notification_id": IDS,
                "shop_id": st.sampled_from([shop_id, "1111111111111111111"]),
                "timestamp": TIMES,
                "data": record(data[topic]),
            }
        )
    )


LOCATION = record({"city": WORDS, "state": WORDS, "zip": WORDS, "country": st.just("US")})
SHIPPO_STATUS = record(
    {
        "object_created": ISO_TIMES,
        "status": st.sampled_from(["PRE_TRANSIT", "TRANSIT", "DELIVERED", "RETURNED", "FAILURE", "UNKNOWN"]),
        "status_details": WORDS,
        "status_date": ISO_TIMES,
        "location": LOCATION,
    }
)
SHIPPO_EVENTS = record(
    {
        "event": st.just("track_updated") | st.sampled_from(["transaction_created", "batch_created"]),
        "test": st.booleans(),
        "data": record(
            {
                "carrier": st.sampled_from(["usps", "ups", "fedex"]),
                "tracking_number": IDS,
                "transaction": IDS,
                "tracking_status": SHIPPO_STATUS,
                "tracking_history": st.lists(SHIPPO_STATUS, max_size=3),
            }
        ),
    }
)
EASYPOST_EVENTS = record(
    {
        "id": IDS.map("evt_{}".format),
        "object": st.just("Event"),
        "description": st.just("tracker.updated") | st.sampled_from(["tracker.created", "batch.updated"]),
        "result": record(
            {
                "tracking_code": IDS,
                "carrier": st.sampled_from(["USPS", "UPS", "FedEx"]),
                "status": st.sampled_from(["pre_transit", "in_transit", "delivered", "return_to_sender"]),
                "shipment_id": IDS.map("shp_{}".format),
                "tracking_details": st.lists(
                    record(
                        {
                            "status": st.sampled_from(["in_transit", "delivered"]),
                            "message": WORDS,
                            "datetime": ISO_TIMES,
                            "tracking_location": LOCATION,
                        }
                    ),
                    max_size=3,
                ),
            }
        ),
    }
)

# Signed bodies once answered wrongly, kept so each stays fixed. Found by this fuzz: a push time no datetime
# holds crashed the shop-event routing (500); EasyPost's SDK parses with json.loads, which raised through
# to a 500 for a body that is not JSON; Shippo answered 401, as if forged, for a body it could not read.
# Added by hand: JSON nested past Python's recursion limit, which json.loads fails with RecursionError;
# a lone surrogate, which json.loads lets through and the database then refuses (500).
REGRESSIONS: dict[Source, Sequence[bytes]] = {
    "tiktok": (
        b'{"type": 6, "tts_notification_id": "100000000000000000", "shop_id": "7495540735365777507", '
        b'"timestamp": 9223372036854775808, "data": {"message": ""}}',
    ),
    "shippo": (b"",),
    "easypost": (
        b"",
        b"[" * 100_000,
        b'{"id": "evt_1", "description": "tracker.updated", '
        b'"result": {"tracking_code": "\\ud800", "carrier": "USPS", "status": "delivered"}}',
    ),
}


@dataclass
class Target:
    """The running API, posted to from the fuzz's thread; counts each status it answered."""

    stack: Stack
    http: httpx.Client
    answered: Counter[int] = field(default_factory=Counter)

    def post(self, source: Source, body: bytes, genuine: bool) -> None:
        sender = self.stack.settings if genuine else forger(self.stack.settings)
        response = self.http.send(signed(sender, source, body).request(self.stack.api_url))
        self.answered[response.status_code] += 1
        if not genuine:
            assert response.status_code == 401
            return
        assert response.status_code in (200, 400), (response.status_code, response.text[:500])
        if response.status_code == 400:
            assert self.malformed_kept(source, body)

    def malformed_kept(self, source: Source, body: bytes) -> bool:
        with Session(self.stack.store.engine) as session:
            query = select(WebhookRow).where(WebhookRow.source == source, WebhookRow.body == body)
            row = session.exec(query).first()
        return row is not None and row.status is WebhookStatus.MALFORMED and bool(row.error)


def fuzz(target: Target, source: Source, events: st.SearchStrategy[Any]) -> None:
    @FUZZ
    @given(body=bodies(events), genuine=MOSTLY_SIGNED)
    def posted(body: bytes, genuine: bool) -> None:
        target.post(source, body, genuine)

    for regression in REGRESSIONS[source]:
        posted = example(body=regression, genuine=True)(posted)
    posted()


@pytest.mark.parametrize("source", SOURCES)
async def test_webhook_endpoint_never_answers_5xx(stack: Stack, shop: SandboxShop, source: Source) -> None:
    events = {"tiktok": tiktok_events(shop.shop_id), "shippo": SHIPPO_EVENTS, "easypost": EASYPOST_EVENTS}
    # A fresh connection per example: no example meets a connection the server is closing after the last.
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        target = Target(stack, http)
        await asyncio.to_thread(fuzz, target, source, events[source])

    # Most examples got past verification, and both verdicts behind it were reached.
    assert target.answered[200] + target.answered[400] > target.answered[401] > 0
    assert target.answered[200] > 0 and target.answered[400] > 0
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{stack.api_url}/readyz")).status_code == 200
