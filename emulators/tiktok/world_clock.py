"""The emulated world's clock: wall time plus an offset the admin API can push forward.

Everything TikTok decides by its own clock (token and auth-code expiry, the ON_HOLD window, SLA times,
automatic completion) reads this clock, so a test can jump a week ahead in one call. Only the request
`timestamp` check uses real time, because the client signs with real time.
"""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> int:
        """Unix seconds in the emulated world."""
        return int(time.time() + self._offset)

    def now_millis(self) -> int:
        return int((time.time() + self._offset) * 1000)

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        return self.now()
