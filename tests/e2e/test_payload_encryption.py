"""Recipients never stand in clear in Temporal's history; operators read them through the API's codec."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from starter import runtime
from starter.stack import SandboxShop, Stack
from tests.e2e.conftest import eventually
from workers.devserver import temporal_binary
from workflows.shared import order_workflow_id


async def temporal_workflow_show(env: WorkflowEnvironment, workflow_id: str, *codec: str) -> list[str]:
    """Every payload of the history `temporal workflow show` prints, as an operator would run it."""
    target = env.client.service_client.config.target_host
    command = [temporal_binary(), "workflow", "show", "--address", target, "-w", workflow_id, "-o", "json"]
    shown = await asyncio.to_thread(
        subprocess.run, [*command, *codec], capture_output=True, text=True, timeout=60, check=True
    )
    return [
        base64.b64decode(payload["data"]).decode(errors="replace")
        for payload in _payloads(json.loads(shown.stdout))
    ]


def _payloads(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "metadata" in node and "data" in node:
            yield node
        for value in node.values():
            yield from _payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payloads(value)


async def test_history_holds_no_recipient_in_clear_but_the_codec_shows_it(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    [created] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    workflow_id = order_workflow_id(shop.shop_id, created["id"])
    await eventually(
        lambda: asyncio.to_thread(stack.store.labels, shop.shop_id), lambda labels: len(labels) == 1
    )
    recipient = (await stack.control.order(created["id"]))["order"]["recipient_address"]
    secrets = [recipient["name"], recipient["address_line1"], recipient["phone_number"]]

    stored = "\n".join(await temporal_workflow_show(e2e_temporal, workflow_id))
    assert not [secret for secret in secrets if secret in stored]

    token = runtime.codec_token(stack.settings)
    decoded = await temporal_workflow_show(
        e2e_temporal,
        workflow_id,
        "--codec-endpoint",
        f"{stack.api_url}/codec",
        "--codec-auth",
        f"Bearer {token}",
    )
    assert all(secret in "\n".join(decoded) for secret in secrets)


async def test_codec_endpoint_refuses_callers_without_the_token(stack: Stack) -> None:
    body = {"payloads": []}
    async with httpx.AsyncClient(base_url=stack.api_url) as http:
        assert (await http.post("/codec/decode", json=body)).status_code == 401
        assert (await http.post("/codec/wrong-token/decode", json=body)).status_code == 401
        bearer = {"Authorization": f"Bearer {runtime.codec_token(stack.settings)}"}
        assert (await http.post("/codec/decode", json=body, headers=bearer)).status_code == 200
        garbage = await http.post("/codec/decode", content=b"{not json", headers=bearer)
        assert garbage.status_code == 400
