"""Saved state: a TikTok emulator stopped and started again on its state file goes on where it was
(`creatorflow dev` resuming), and a state file this version cannot read, or one deleted while `dev` still
remembers its shop, fails with what to do about it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from tiktok_sandbox_helpers import Receiver, running_emulator, wait_for

from devstack.dev import IncompleteSandboxError, remembered_shop
from devstack.stack import SandboxShop
from emulators import saved_state
from emulators.saved_state import SavedStateError
from emulators.tiktok.app import SavedTikTok
from emulators.tiktok.settings import WorldSettings
from emulators.tiktok.wire_models import ShippingType
from emulators.tiktok.world import World
from emulators.tiktok.world_catalog import NewSku
from emulators.tiktok.world_orders import OrderLine

DETAIL = "/order/202309/orders"


def saved_world() -> tuple[SavedTikTok, str, str]:
    """A world with a shop and a paid order, as a TikTok emulator saves it; the shop and order ids."""
    world = World(WorldSettings(), lambda notification, address: None, seed=3)
    seller = world.catalog.create_seller("Acme", "US", shop_count=1)
    (shop,) = world.catalog.shops_of(seller.id)
    product = world.catalog.create_product(shop, "Tee", [NewSku("TEE-S", Decimal("19.99"), stock=10)])
    order = world.orders.place(shop, [OrderLine(product.skus[0].id, 1)], ShippingType.SELLER)
    world.orders.pay(order)
    return SavedTikTok(world, []), shop.id, order.id


def test_a_saved_world_is_restored_with_its_shop_and_order(tmp_path: Path) -> None:
    saved, shop_id, order_id = saved_world()
    path = tmp_path / "sandbox" / "tiktok.state"
    saved_state.write_atomically(path, saved_state.dump(saved))

    restored = saved_state.load(path, SavedTikTok)

    assert restored is not None
    assert restored.world.catalog.shop(shop_id) == saved.world.catalog.shop(shop_id)
    assert restored.world.orders.find(order_id) == saved.world.orders.find(order_id)
    assert restored.world.orders.find(order_id).status == "ON_HOLD"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_nothing_saved_yet_restores_nothing(tmp_path: Path) -> None:
    assert saved_state.load(tmp_path / "tiktok.state", SavedTikTok) is None
    assert saved_state.load(None, SavedTikTok) is None


def _saved_state_files() -> dict[str, bytes]:
    header, _, pickled = saved_state.dump(saved_world()[0]).partition(b"\n")
    return {
        "an older format": b"creatorflow-emulator-state 0\n" + pickled,
        "not a pickle": header + b"\nnot a pickle",
        "a class this version no longer has": header + b"\ncgone_module\nGoneClass\n.",
        "another kind of state": saved_state.dump(["not", "a", "world"]),
        "no header at all": b"",
    }


@pytest.mark.parametrize("content", _saved_state_files().values(), ids=_saved_state_files().keys())
def test_a_state_this_version_cannot_restore_says_to_delete_its_directory(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "sandbox" / "tiktok.state"
    path.parent.mkdir()
    path.write_bytes(content)

    with pytest.raises(SavedStateError) as raised:
        saved_state.load(path, SavedTikTok)

    message = str(raised.value)
    assert f"Cannot restore the emulator state saved in {path}" in message
    assert f"Delete the directory {path.parent} to start afresh." in message


def test_a_restarted_emulator_goes_on_with_its_shop_orders_clock_and_pending_webhooks(
    tmp_path: Path, receiver: Receiver
) -> None:
    state = tmp_path / "sandbox" / "tiktok.state"
    options = {
        "state_file": state,
        "webhooks": {"default_url": receiver.url, "allow_loopback_addresses": True},
    }
    receiver.statuses = [500]  # the first push fails; its retry is 2 minutes away when the emulator stops
    with running_emulator(**options) as before:
        shop = before.new_shop()
        (order,) = before.orders(shop)
        wait_for(lambda: len(receiver.pushes) >= 1)
        failed = receiver.pushes[0].json["tts_notification_id"]
        clock = before.advance(1800)

    with running_emulator(**options) as after:
        # Same order, read through the Open API with the token and cipher the first run issued.
        api = after.caller(shop.token, shop.cipher)
        assert api.ok("GET", DETAIL, {"ids": order["id"]})["orders"][0]["id"] == order["id"]
        # The clock went on from where it was, and the hold ends on time by the restored world's timers.
        assert after.advance(1799) >= clock + 1799
        wait_for(
            lambda: api.ok("GET", DETAIL, {"ids": order["id"]})["orders"][0]["status"] == "AWAITING_SHIPMENT"
        )
        # The push that was still to be retried is sent again (with the same notification id).
        wait_for(lambda: [p.json["tts_notification_id"] for p in receiver.pushes].count(failed) == 2)
        assert after.new_shop().shop_id != shop.shop_id


async def test_dev_resumes_its_remembered_shop_only_while_the_restored_emulator_has_it(
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox" / "tiktok.state"
    saved = state.parent / "shop.json"
    with running_emulator(state_file=state) as first_run:
        assert await remembered_shop(first_run.url, saved) is None  # nothing remembered: onboard one
        made = first_run.new_shop()
    shop = SandboxShop(seller_id=made.seller_id, shop_id=made.shop_id, sku_id=made.sku_ids[0])
    saved.write_text(shop.model_dump_json())

    with running_emulator(state_file=state) as resumed:
        assert await remembered_shop(resumed.url, saved) == shop

    state.unlink()  # shop.json kept: the emulator starts with a world of its own
    with running_emulator(state_file=state) as emptied, pytest.raises(IncompleteSandboxError) as raised:
        await remembered_shop(emptied.url, saved)
    assert f"The saved sandbox in {saved.parent} is incomplete" in str(raised.value)
    assert shop.shop_id in str(raised.value)


async def test_a_failing_save_is_reported_and_retried_while_the_emulator_keeps_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "sandbox"
    blocker.write_text("a file where the state directory should be")
    saves = 0
    tried_thrice = asyncio.Event()

    def snapshot() -> object:
        nonlocal saves
        saves += 1
        if saves >= 3:
            tried_thrice.set()
        return {"save": saves}  # changes every time, so every tick tries to write

    with pytest.raises(OSError):  # the last save, on the way out, still fails loudly
        async with saved_state.kept(blocker / "tiktok.state", snapshot, every_seconds=0.01):
            await asyncio.wait_for(tried_thrice.wait(), timeout=5)
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) >= 2 and all("could not save the sandbox state" in line for line in warnings)
