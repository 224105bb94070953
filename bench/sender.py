"""The webhook benchmark's load: a separate process that plays TikTok, POSTing signed order-status
events to each target in turn, `concurrency` requests in flight, for a fixed time and at most a fixed
count. Prints one JSON line per target on stdout.

    APP_KEY=... APP_SECRET=... python -m bench.sender --shop S --seconds 20 baseline=URL real=URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from itertools import count

import httpx

from creatorflow.tiktok.signing import sign_webhook
from emulators.tiktok.webhook_events import Notification, OrderStatusChange

# Each order is told three times, as TikTok does while a paid order comes out of its hold.
STATUSES = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT")
FIRST_ORDER_ID = 580_000_000_000_000_000


def event(app_key: str, app_secret: str, shop_id: str, number: int) -> tuple[bytes, str]:
    """The `number`th event: its exact body and the Authorization header TikTok would sign it with."""
    order, step = divmod(number, len(STATUSES))
    now = int(time.time())
    data = OrderStatusChange(
        order_id=str(FIRST_ORDER_ID + order),
        order_status=STATUSES[step],
        is_on_hold_order=STATUSES[step] == "ON_HOLD",
        update_time=now + step,
    )
    body = Notification(
        type=int(data.topic),
        tts_notification_id=str(FIRST_ORDER_ID + number),
        shop_id=shop_id,
        timestamp=now,
        data=data.model_dump(),
    ).body()
    return body, sign_webhook(app_key, app_secret, body)


async def load(
    url: str, shop_id: str, seconds: float, concurrency: int, limit: int, first: int
) -> dict[str, object]:
    app_key, app_secret = os.environ["APP_KEY"], os.environ["APP_SECRET"]
    numbers = count(first)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def sender() -> None:
        nonlocal errors
        # A client (one kept-alive connection) per sender: one shared pool slows down past a few connections.
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline and len(latencies) + errors < limit:
                body, signature = event(app_key, app_secret, shop_id, next(numbers))
                sent = time.perf_counter()
                response = await http.post(url, content=body, headers={"Authorization": signature})
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "events": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shop", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--limit", type=int, default=100_000, help="at most this many events per target")
    parser.add_argument("targets", nargs="+", help="NAME=URL, loaded one after the other")
    args = parser.parse_args()
    for index, target in enumerate(args.targets):
        name, url = target.split("=", 1)
        result = await load(url, args.shop, args.seconds, args.concurrency, args.limit, index * args.limit)
        print(json.dumps({"target": name, **result}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
