"""The sandbox on fast timings: production's hours shrunk to seconds, so a whole order life fits in a few
seconds. The end-to-end tests and the benchmarks run the stack with these."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from creatorflow.config import EasyPostSettings, Settings, ShippoSettings, TikTokSettings
from creatorflow.inventory import InventoryPolicy
from creatorflow.orders import OrderPolicy

# TikTok's one-hour hold, our polls, the return window.
FAST_ORDERS = OrderPolicy(
    hold_poll=timedelta(seconds=3),
    tracking_poll=timedelta(seconds=5),
    return_window=timedelta(minutes=10),
    activity_timeout=timedelta(seconds=4),  # a killed worker's activity is retried elsewhere after this
)
FAST_STOCK = InventoryPolicy(
    push_interval=timedelta(seconds=1),
    sync_interval=timedelta(minutes=5),
    activity_timeout=timedelta(seconds=10),
)
# Every client gives up before its activity's 4 s timeout does, so a hung provider is retried at once.
CLIENT_TIMEOUT_SECONDS = 3.0
# The TikTok emulator's overrides (`running_emulators(..., tiktok=FAST_TIKTOK)`).
FAST_TIKTOK = {
    "world": {"hold_window_seconds": 1},
    "webhooks": {"retry_scale": 0.005},
    "tick_seconds": 0.05,
}


def fast_settings(
    data_dir: Path, *, encryption_keys: SecretStr | None = None, orders: OrderPolicy = FAST_ORDERS
) -> Settings:
    """Settings for a throwaway stack under `data_dir` (SQLite there; without keys, a generated dev key)."""
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'app.db'}",
        encryption_keys=encryption_keys,
        orders=orders,
        inventory=FAST_STOCK,
        tiktok=TikTokSettings(timeout_seconds=CLIENT_TIMEOUT_SECONDS),
        shippo=ShippoSettings(timeout_seconds=CLIENT_TIMEOUT_SECONDS),
        easypost=EasyPostSettings(timeout_seconds=CLIENT_TIMEOUT_SECONDS),
    )
