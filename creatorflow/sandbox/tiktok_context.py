"""What every part of the emulated world (catalog, authorizations, orders, after-sales) shares."""

from __future__ import annotations

import random
from dataclasses import dataclass

from creatorflow.sandbox.tiktok_clock import Clock
from creatorflow.sandbox.tiktok_events import Publisher
from creatorflow.sandbox.tiktok_ids import IdFactory
from creatorflow.sandbox.tiktok_settings import WorldSettings


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
