"""`creatorflow api` as deployed: Prometheus metrics (the SDK's and ours) and JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from creatorflow.config import TikTokSettings
from creatorflow.tiktok.signing import sign_webhook
from tests.e2e.conftest import eventually, free_port
from tests.keys import TEST_KEYS


@contextlib.contextmanager
def running_api(temporal_address: str, data_dir: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`creatorflow api` on a free port, its database under `data_dir`, `settings` as more CREATORFLOW_*
    variables; its URL and log file."""
    port = free_port()
    env = {
        **os.environ,
        "CREATORFLOW_TEMPORAL__ADDRESS": temporal_address,
        "CREATORFLOW_DATABASE_URL": f"sqlite:///{data_dir / 'app.db'}",
        "CREATORFLOW_DATA_DIR": str(data_dir),
        "CREATORFLOW_ENCRYPTION_KEYS": TEST_KEYS,
        **settings,
    }
    log = data_dir / "api.log"
    creatorflow = Path(sys.executable).parent / "creatorflow"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(creatorflow), "api", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=30)


async def until_serving(api: str) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=10) as http:
        await eventually(lambda: _ready(http), lambda ready: ready, timeout=60)


@pytest.fixture
def api_process(e2e_temporal: WorkflowEnvironment, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """`creatorflow api` with metrics and JSON logs on; its URL, metrics URL and log file."""
    metrics_port = free_port()
    address = e2e_temporal.client.service_client.config.target_host
    metrics = {"CREATORFLOW_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}", "CREATORFLOW_LOG_FORMAT": "json"}
    with running_api(address, tmp_path, **metrics) as (url, log):
        yield url, f"http://127.0.0.1:{metrics_port}/metrics", log


async def test_webhooks_are_counted_by_type_and_outcome_and_logged_as_json(
    api_process: tuple[str, str, Path],
) -> None:
    api, metrics_url, log = api_process
    secret = TikTokSettings().app_secret.get_secret_value()
    garbage = b"{not json"
    await until_serving(api)
    async with httpx.AsyncClient(base_url=api, timeout=10) as http:
        assert (
            await http.post("/webhooks/tiktok", content=b"{}", headers={"Authorization": "forged"})
        ).status_code == 401
        signed = {"Authorization": sign_webhook(TikTokSettings().app_key, secret, garbage)}
        assert (await http.post("/webhooks/tiktok", content=garbage, headers=signed)).status_code == 400
        assert (await http.get("/readyz")).status_code == 200  # the API's client connects on first use
        scraped = (await http.get(metrics_url)).text

    samples = [line for line in scraped.splitlines() if line.startswith("creatorflow_webhooks_total")]
    assert any(
        'outcome="forged"' in line and 'source="tiktok"' in line and line.endswith(" 1") for line in samples
    )
    assert any('outcome="malformed"' in line and line.endswith(" 1") for line in samples)
    assert "temporal_request" in scraped  # the SDK's own metrics, from the same endpoint

    lines = [
        json.loads(line)
        for line in (await asyncio.to_thread(log.read_text)).splitlines()
        if line.startswith("{")
    ]
    rejected = [entry for entry in lines if "bad signature" in entry["message"]]
    assert rejected and rejected[0]["level"] == "WARNING"


async def _ready(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/healthz")).status_code == 200
    except httpx.TransportError:
        return False
