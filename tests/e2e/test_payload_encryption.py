"""Recipients never stand in clear in Temporal's history; operators read them through the API's codec."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from creatorflow.names import order_workflow_id
from creatorflow.orders import FulfillmentState
from devstack.polling import eventually
from devstack.stack import SandboxShop, Stack
from starter import runtime
from tests.e2e.test_webhooks_and_operators import handle_of, state_of, status_is
from workers.devserver import temporal_binary


async def temporal_workflow_show(env: WorkflowEnvironment, workflow_id: str, *codec: str) -> str:
    """All `temporal workflow show -o json` prints, as an operator would run it, then every payload's data
    decoded from base64: the whole text in which a reader of the history could find a recipient."""
    target = env.client.service_client.config.target_host
    command = [temporal_binary(), "workflow", "show", "--address", target, "-w", workflow_id, "-o", "json"]
    shown = await asyncio.to_thread(
        subprocess.run, [*command, *codec], capture_output=True, text=True, timeout=60, check=True
    )
    payloads = [
        base64.b64decode(payload["data"]).decode(errors="replace")
        for payload in _payloads(json.loads(shown.stdout))
    ]
    return "\n".join([shown.stdout, *payloads])


def _payloads(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "metadata" in node and "data" in node:
            yield node
        for value in node.values():
            yield from _payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payloads(value)


def recipient_details(recipient: dict[str, Any]) -> list[str]:
    """What identifies the recipient of an emulated TikTok order: name, phone, address lines, state, city,
    postal code (the country names no one)."""
    lines = [recipient[f"address_line{n}"] for n in range(1, 5)]
    districts = [district["address_name"] for district in recipient["district_info"][1:]]
    details = [recipient["name"], recipient["phone_number"], *lines, *districts, recipient["postal_code"]]
    return [detail for detail in details if detail]


def appears(detail: str, text: str) -> bool:
    """`detail` as a whole token: a postal code like 00000 may be part of an order id by chance."""
    return re.search(rf"(?<!\w){re.escape(detail)}(?!\w)", text) is not None


async def test_history_holds_no_recipient_in_clear_but_the_codec_shows_it(
    stack: Stack, shop: SandboxShop, e2e_temporal: WorkflowEnvironment
) -> None:
    """Also for an order parked on an undeliverable address, whose carrier quoted the address it refused
    in the activity's failure: failure messages are encrypted like payloads."""
    [shipped] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    [parked] = await stack.control.create_orders(shop.shop_id, shop.sku_id, undeliverable_address=True)
    await eventually(
        lambda: asyncio.to_thread(stack.store.labels, shop.shop_id), lambda labels: len(labels) == 1
    )
    await eventually(
        lambda: state_of(handle_of(stack, shop, parked["id"])), status_is(FulfillmentState.NEEDS_ATTENTION)
    )
    codec = (
        "--codec-endpoint",
        f"{stack.api_url}/codec",
        "--codec-auth",
        f"Bearer {runtime.codec_token(stack.settings)}",
    )

    for created in (shipped, parked):
        workflow_id = order_workflow_id(shop.shop_id, created["id"])
        recipient = (await stack.control.order(created["id"]))["order"]["recipient_address"]
        stored = await temporal_workflow_show(e2e_temporal, workflow_id)
        assert [detail for detail in recipient_details(recipient) if appears(detail, stored)] == []
        decoded = await temporal_workflow_show(e2e_temporal, workflow_id, *codec)
        kept = ("name", "phone_number", "address_line1", "postal_code")  # the state is kept as a code
        assert [key for key in kept if not appears(recipient[key], decoded)] == []
    assert "address is not deliverable" in decoded  # the parked order's failure, through the codec


async def test_codec_endpoint_refuses_callers_without_the_token(stack: Stack) -> None:
    body = {"payloads": []}
    async with httpx.AsyncClient(base_url=stack.api_url) as http:
        assert (await http.post("/codec/decode", json=body)).status_code == 401
        assert (await http.post("/codec/wrong-token/decode", json=body)).status_code == 401
        bearer = {"Authorization": f"Bearer {runtime.codec_token(stack.settings)}"}
        assert (await http.post("/codec/decode", json=body, headers=bearer)).status_code == 200
        garbage = await http.post("/codec/decode", content=b"{not json", headers=bearer)
        assert garbage.status_code == 400


async def test_the_codec_answers_the_uis_preflight_and_no_other_origins(stack: Stack) -> None:
    """The operator's browser asks before it posts payloads with the token from the UI's origin."""
    ui_origin = stack.settings.codec_cors_origins[0]
    wanted = "authorization,content-type,x-namespace"

    async def preflight(origin: str) -> httpx.Response:
        asking = {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": wanted,
        }
        async with httpx.AsyncClient(base_url=stack.api_url) as http:
            return await http.options("/codec/decode", headers=asking)

    allowed = await preflight(ui_origin)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ui_origin
    allowed_headers = {
        name.strip().lower() for name in allowed.headers["access-control-allow-headers"].split(",")
    }
    assert set(wanted.split(",")) <= allowed_headers
    assert "POST" in allowed.headers["access-control-allow-methods"]

    foreign = await preflight("https://evil.example.com")
    assert foreign.status_code == 400
    assert "access-control-allow-origin" not in foreign.headers
