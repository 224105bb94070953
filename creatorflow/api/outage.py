"""The app database going away, as the API sees it: one warning when it goes, one line when it is back.

While it is down every webhook and every forwarding pass fails the same way; a line (or a stack trace)
for each would bury the one fact an operator needs: since when, why, and how many senders were told to
retry.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from creatorflow.store.db import describe

log = logging.getLogger(__name__)


class DatabaseOutage:
    """Whether the API last found the app database unreachable, and how many webhooks it refused since."""

    def __init__(self) -> None:
        self._since: float | None = None  # monotonic time of the first failure of this outage
        self.refused = 0  # webhooks answered 503 during this outage

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, exc: SQLAlchemyError, *, refusing_webhook: bool) -> None:
        """A request to the database could not be served because it was unreachable."""
        if refusing_webhook:
            self.refused += 1
        if self._since is None:
            self._since = time.monotonic()
            log.warning(
                "app database unreachable (%s): webhooks are answered 503 for their senders to retry, "
                "and forwarding waits, until it is back",
                describe(exc),
            )

    def reached(self) -> None:
        """A request to the database succeeded: the outage, if there was one, is over."""
        if self._since is None:
            return
        log.info(
            "app database reachable again after %.0fs; %d webhooks were answered 503 meanwhile",
            time.monotonic() - self._since,
            self.refused,
        )
        self._since = None
        self.refused = 0
