"""The Temporal UI as the operator's console, driven by headless Chromium: an order is found by its search
attribute, and its page shows the state decrypted through our API's codec endpoint."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from creatorflow.names import order_workflow_id
from devstack.fast import FAST_TIKTOK
from devstack.polling import eventually
from devstack.stack import Stack, connect_sandbox_shop, running_emulators, running_stack
from starter import runtime
from tests.e2e.browser import open_page
from tests.e2e.conftest import e2e_settings, free_port
from tests.keys import TEST_KEYRING
from tests.system_tools import missing_system_tool
from workers.devserver import start_dev_server


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing_system_tool(
            "Chromium is missing: `apt-get install chromium` (Debian) to run the operator UI test"
        )
    return found


@pytest.fixture
async def ui_stack(tmp_path: Path) -> AsyncIterator[tuple[Stack, str]]:
    """The stack with a dev server whose UI decrypts through the API, as `creatorflow dev` runs it."""
    api_port, ui_port = free_port(), free_port()
    ui = f"http://127.0.0.1:{ui_port}"
    settings = e2e_settings(tmp_path).model_copy(update={"codec_cors_origins": [ui]})
    codec = f"http://127.0.0.1:{api_port}/codec/{runtime.codec_token(settings)}"
    env = await start_dev_server(TEST_KEYRING, ui_port=ui_port, ui_codec_endpoint=codec)
    async with env:
        with running_emulators(settings, fixed_ports=False, tiktok=FAST_TIKTOK) as emulators:
            async with running_stack(emulators, env.client, api_port=api_port) as stack:
                yield stack, ui


async def test_an_operator_finds_an_order_by_search_attribute_and_reads_it_decrypted(
    ui_stack: tuple[Stack, str], chromium: str, tmp_path: Path
) -> None:
    stack, ui = ui_stack
    shop = await connect_sandbox_shop(stack)
    [created] = await stack.control.create_orders(shop.shop_id, shop.sku_id, count=1)
    order_id = created["id"]
    await eventually(
        lambda: asyncio.to_thread(stack.store.labels, shop.shop_id), lambda labels: len(labels) == 1
    )
    [label] = stack.store.labels(shop.shop_id)
    recipient = (await stack.control.order(order_id))["order"]["recipient_address"]
    workflow_id = order_workflow_id(shop.shop_id, order_id)

    query = quote(f"OrderId = '{order_id}'")
    async with open_page(
        chromium, f"{ui}/namespaces/default/workflows?query={query}", tmp_path / "p1"
    ) as page:
        await page.wait_for_text(workflow_id)

    run_id = (await stack.client.get_workflow_handle(workflow_id).describe()).run_id
    history = f"{ui}/namespaces/default/workflows/{workflow_id}/{run_id}/history"
    async with open_page(chromium, history, tmp_path / "p2") as page:
        # Input and results are encrypted payloads: the UI shows them only through the codec.
        await page.wait_for_text(f'"order_id": "{order_id}"')
        await page.wait_for_text(f'{{"provider":"{label.provider}"')
        # The state query, answered by the worker and decrypted: the recipient is readable here.
        await page.click("Queries")
        await page.wait_for_text("Run Query")
        await page.click("Run Query")
        await page.wait_for_text(recipient["name"])
