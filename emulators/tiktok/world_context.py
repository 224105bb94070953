"""What every part of the emulated world (catalog, authorizations, orders, after-sales) shares."""

from __future__ import annotations

import random
from dataclasses import dataclass

from emulators.tiktok.settings import WorldSettings
from emulators.tiktok.webhook_events import Publisher
from emulators.tiktok.world_clock import Clock
from emulators.tiktok.world_ids import IdFactory


@dataclass(frozen=True)
class WorldContext:
    settings: WorldSettings
    clock: Clock
    ids: IdFactory
    rng: random.Random
    publisher: Publisher


class WorldPart:
    """A part of the world: it reads the settings and the clock, makes ids and publishes its changes."""

    def __init__(self, context: WorldContext) -> None:
        self._settings = context.settings
        self._clock = context.clock
        self._ids = context.ids
        self._rng = context.rng
        self._publisher = context.publisher
