"""Prometheus metrics (the SDK's and ours) and JSON logs: of `creatorflow api` as deployed, and of the whole
stack taking orders to SHIPPED."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from creatorflow import logs
from creatorflow.config import TemporalSettings, TikTokSettings
from creatorflow.names import ids_of_workflow, order_workflow_id
from creatorflow.tiktok.errors import AUTH_RECORD_NOT_FOUND, INTERNAL_ERROR
from creatorflow.tiktok.signing import sign_webhook
from creatorflow.tiktok.webhooks import WebhookType
from devstack.fast import FAST_ORDERS
from devstack.polling import eventually
from devstack.stack import Stack, authorize_on_tiktok, connect_sandbox_shop, oauth_callback
from emulators.faults import FaultRule
from tests.e2e.conftest import e2e_stack, free_port, set_carrier_faults
from tests.e2e.test_order_lifecycle import paid_until_shipped, shipped_path
from tests.keys import TEST_KEYRING, TEST_KEYS
from workers.client import connect, sdk_runtime

_SAMPLE = re.compile(r"^(?P<name>\w+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")
ORDER_STATUS_CHANGE = WebhookType.ORDER_STATUS_CHANGE.name  # as the API labels its webhooks' type
LABEL_PURCHASES = ("/transactions", "/v2/shipments/*/buy")  # Shippo's and EasyPost's
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


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
        # A topic we do not know (TikTok's 36) is recorded, ignored and counted under its number.
        unknown = json.dumps({"type": 36, "shop_id": "1", "timestamp": 1718305585, "data": {}}).encode()
        signed = {"Authorization": sign_webhook(TikTokSettings().app_key, secret, unknown)}
        assert (await http.post("/webhooks/tiktok", content=unknown, headers=signed)).status_code == 200
        assert (await http.get("/readyz")).status_code == 200  # the API's client connects on first use
        scraped = (await http.get(metrics_url)).text

    samples = [line for line in scraped.splitlines() if line.startswith("creatorflow_webhooks_total")]
    assert any(
        'outcome="forged"' in line and 'source="tiktok"' in line and line.endswith(" 1") for line in samples
    )
    assert any('outcome="malformed"' in line and line.endswith(" 1") for line in samples)
    assert _total(scraped, "creatorflow_webhooks_total", source="tiktok", type="36", outcome="accepted") == 1
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


@pytest.fixture
async def metered_stack(
    e2e_temporal: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Stack, str]]:
    """The stack with its API and workers on an SDK runtime serving Prometheus, as `creatorflow worker` and
    `creatorflow api` run with `metrics_address`, and a late-shipment margin wider than any ship-by, so that
    every order is at risk; the stack and its metrics URL."""
    address = f"127.0.0.1:{free_port()}"
    temporal = TemporalSettings(address=e2e_temporal.client.service_client.config.target_host)
    client = await connect(temporal, TEST_KEYRING, sdk_runtime(address))
    orders = FAST_ORDERS.model_copy(update={"late_shipment_margin": timedelta(days=365)})
    async with e2e_stack(
        e2e_temporal, tmp_path, request, with_workers=True, orders=orders, client=client
    ) as stack:
        yield stack, f"http://{address}/metrics"


@contextlib.contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """The root logger also writing to a buffer through the handler `creatorflow worker` logs with."""
    handler = logs.handler(logs.LogFormat.JSON, ids_of_workflow)
    buffer = io.StringIO()
    handler.setStream(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


async def test_shipped_orders_are_counted_and_their_logs_name_shop_and_order(
    metered_stack: tuple[Stack, str],
) -> None:
    stack, metrics_url = metered_stack
    shop = await connect_sandbox_shop(stack)
    # TikTok fails one "mark shipped" call: the error is counted by its code, and the activity retries.
    fault = FaultRule(path=shipped_path("*"), method="POST", error_rate=1.0, kinds=["5xx"], times=1)
    await stack.control.set_faults([fault.model_dump()])
    # Each carrier answers its first label purchase with a 429: counted by provider and class, then retried.
    refused = [
        FaultRule(path=path, method="POST", error_rate=1.0, kinds=["429"], times=1)
        for path in LABEL_PURCHASES
    ]
    for url in stack.emulators.carrier_urls:
        await set_carrier_faults(url, refused)
    with json_logs() as buffer:
        order_ids = await paid_until_shipped(stack, shop, 3, timeout=60)
    # And the API's own TikTok calls: a seller comes back with a code TikTok does not know.
    seller = await stack.control.create_seller("Careful Seller")
    approved = await authorize_on_tiktok(stack.api_url, stack.control, seller.id)
    assert (await oauth_callback(stack.api_url, {**approved, "code": "not-a-code"})).status_code == 400
    count = len(order_ids)
    labels = stack.store.labels(shop_id=shop.shop_id)
    assert len(labels) == count

    async with httpx.AsyncClient(timeout=10) as http:
        scraped = await eventually(
            lambda: _text(http, metrics_url),
            lambda text: _total(text, "creatorflow_late_shipment_risks_total", shop_id=shop.shop_id) == count,
            timeout=10,
        )
    assert _total(scraped, "creatorflow_labels_bought_total") == count
    by_carrier = {(label.provider, label.carrier) for label in labels}
    assert (
        sum(_total(scraped, "creatorflow_labels_bought_total", provider=p, carrier=c) for p, c in by_carrier)
        == count
    )
    assert _total(scraped, "creatorflow_label_spend_total") == sum(int(label.cost * 100) for label in labels)
    assert _total(scraped, "creatorflow_tiktok_api_errors_total", code=str(INTERNAL_ERROR)) >= 1
    assert _total(scraped, "creatorflow_tiktok_api_errors_total", code=str(AUTH_RECORD_NOT_FOUND)) == 1
    assert _total(scraped, "creatorflow_order_transitions_total", state="SHIPPED") == count
    providers = {label.provider for label in labels}  # each refused exactly one purchase
    rate_limited = {"kind": "retryable", "error": "RateLimitedError"}
    assert _total(scraped, "creatorflow_shipping_api_errors_total", **rate_limited) == len(providers)
    assert all(
        _total(scraped, "creatorflow_shipping_api_errors_total", provider=p, **rate_limited) == 1
        for p in providers
    )
    assert (
        _total(
            scraped,
            "creatorflow_webhooks_total",
            source="tiktok",
            type=ORDER_STATUS_CHANGE,
            outcome="accepted",
        )
        >= count
    )
    # The SDK's own metrics, from the same endpoint.
    assert (
        _total(scraped, "temporal_activity_execution_failed_total", activity_type="tiktok.ship_package") >= 1
    )

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    for order_id in order_ids:
        workflow_id = order_workflow_id(shop.shop_id, order_id)
        ours = [line for line in lines if line.get("workflow_id") == workflow_id]
        assert any("late dispatch" in line["message"] for line in ours), ours
        assert all(
            (line.get("shop_id"), line.get("order_id")) == (shop.shop_id, order_id) for line in ours
        ), ours
    failed = [line for line in lines if line["message"].startswith("Completing activity as failed")]
    assert failed and all(line.get("order_id") in order_ids for line in failed), failed


async def _text(http: httpx.AsyncClient, url: str) -> str:
    response = await http.get(url)
    response.raise_for_status()
    return response.text


def _total(scraped: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    total = 0.0
    for line in scraped.splitlines():
        sample = _SAMPLE.match(line)
        if sample is None or sample["name"] != name:
            continue
        if labels.items() <= dict(_LABEL.findall(sample["labels"] or "")).items():
            total += float(sample["value"])
    return total
