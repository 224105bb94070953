"""Sustained webhook ingest: our API (verify the signature, record the event, answer; its forwarder
signals-with-start the order's workflow in the background) against a FastAPI app that only answers 200,
both served the same way (uvicorn on this process's event loop) and loaded by the same second process
(`bench.sender`). Goal: at least half the baseline's events/s, p99 under 100 ms.

After the load, it waits for the forwarder to deliver every event and prints the time from the answer
(the event's record) to its signal, p50/p99. No workers run: this measures the API, not the orders' work.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

from fastapi import FastAPI, Response

from bench.harness import log, quiet_shop, ratio, sandbox
from creatorflow.store import Store
from creatorflow.store.tables import WebhookStatus
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from starter.serving import serving

GOAL_RATIO, GOAL_P99_MS = 0.5, 100.0


def answer_200_app() -> FastAPI:
    """The baseline: TikTok's webhook route, answering 200 and doing nothing else."""
    app = FastAPI()

    @app.post("/webhooks/tiktok")
    async def tiktok_webhook() -> Response:
        return Response(status_code=200)

    return app


async def run(seconds: float, concurrency: int, limit: int) -> dict[str, Any]:
    async with sandbox(FAST_ORDERS, with_workers=False) as stack, serving(answer_200_app()) as baseline_url:
        shop = await quiet_shop(stack)
        tiktok = stack.settings.tiktok
        env = {**os.environ, "APP_KEY": tiktok.app_key, "APP_SECRET": tiktok.app_secret.get_secret_value()}
        path = "/webhooks/tiktok"
        sender = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.sender",
            "--shop", shop.shop_id, "--seconds", str(seconds), "--concurrency", str(concurrency),
            "--limit", str(limit), f"baseline={baseline_url}{path}", f"real={stack.api_url}{path}",
            stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(sender.communicate(), timeout=2 * seconds + 60)
        if sender.returncode != 0:
            raise RuntimeError(f"the sender failed with exit code {sender.returncode}")
        results = {line["target"]: line for line in map(json.loads, out.decode().splitlines())}
        sent = time.monotonic()
        pending = len(await asyncio.to_thread(stack.store.webhooks, WebhookStatus.RECEIVED, 100_000))
        log(f"{pending} events still to forward when the load ended; waiting for the forwarder")
        await eventually(
            lambda: asyncio.to_thread(stack.store.webhooks, WebhookStatus.RECEIVED, 100_000),
            lambda rows: not rows,
            timeout=600,
            interval=0.2,
            what="every event forwarded",
        )
        drained = time.monotonic() - sent
        p50, p99 = await asyncio.to_thread(answer_to_signal_ms, stack.store)
    real, baseline = results["real"], results["baseline"]
    log(f"baseline {baseline}; real {real}; forwarder done {drained:.1f} s after the load")
    events_ratio = ratio(real["events_per_s"], baseline["events_per_s"])
    return {
        "bench": "webhooks",
        "seconds_per_target": seconds,
        "concurrency": concurrency,
        "events": real["events"],
        "errors": real["errors"],
        "events_per_s": real["events_per_s"],
        "p50_ms": real["p50_ms"],
        "p99_ms": real["p99_ms"],
        "pending_after_run": pending,
        "drained_seconds_after_run": round(drained, 1),
        "answer_to_signal_p50_ms": p50,
        "answer_to_signal_p99_ms": p99,
        "baseline_events": baseline["events"],
        "baseline_events_per_s": baseline["events_per_s"],
        "baseline_p50_ms": baseline["p50_ms"],
        "baseline_p99_ms": baseline["p99_ms"],
        "ratio": events_ratio,
        "goal": {"ratio": GOAL_RATIO, "p99_ms": GOAL_P99_MS},
        "met": events_ratio >= GOAL_RATIO and real["p99_ms"] < GOAL_P99_MS and real["errors"] == 0,
    }


def answer_to_signal_ms(store: Store) -> tuple[float, float]:
    """p50 and p99 of each forwarded event's time from its record (just before the 200) to its signal."""
    rows = store.webhooks(WebhookStatus.FORWARDED, 1_000_000)
    waits = sorted(
        1000 * (row.forwarded_at - row.received_at).total_seconds() for row in rows if row.forwarded_at
    )
    if len(waits) < 2:
        waits = (waits or [0.0]) * 2
    cuts = statistics.quantiles(waits, n=100)
    return round(cuts[49], 1), round(cuts[98], 1)
