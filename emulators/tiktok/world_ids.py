"""Identifiers that look like TikTok's: long numeric strings for objects, prefixed opaque ones for secrets."""

from __future__ import annotations

import random
import string

_TOKEN_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """Makes unique ids; seeded, so a seeded emulator hands out the same ids on every run."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def numeric(self, first_digits: str, length: int = 19) -> str:
        """E.g. shop ids `7495…` (19 digits) or order ids `5766…` (18 digits)."""
        while True:
            tail = "".join(self._rng.choice(string.digits) for _ in range(length - len(first_digits)))
            candidate = first_digits + tail
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate

    def opaque(self, prefix: str, length: int = 32) -> str:
        """E.g. shop ciphers `ROW_…`, tokens `TTP_…`, auth codes."""
        while True:
            candidate = prefix + "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(length))
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate
