"""Sustained webhook ingest: our API (verify the signature, record the event, signal-with-start the
order's workflow, mark it forwarded) against a FastAPI app that only answers 200, both served the same
way (uvicorn on this process's event loop) and loaded by the same second process (`bench.sender`).

No workers run: this measures the API's ingest path, not the orders' work afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from fastapi import FastAPI, Response

from bench.harness import log, quiet_shop, ratio, sandbox
from creatorflow.store.tables import WebhookStatus
from devstack.fast import FAST_ORDERS
from starter.serving import serving


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
        pending = len(await asyncio.to_thread(stack.store.webhooks, WebhookStatus.RECEIVED, 100_000))
    real, baseline = results["real"], results["baseline"]
    log(f"baseline {baseline}; real {real}; {pending} left for the background forwarder")
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
        "baseline_events": baseline["events"],
        "baseline_events_per_s": baseline["events_per_s"],
        "baseline_p50_ms": baseline["p50_ms"],
        "baseline_p99_ms": baseline["p99_ms"],
        "ratio": ratio(real["events_per_s"], baseline["events_per_s"]),
    }
