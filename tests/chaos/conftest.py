"""The chaos suite runs the whole stack, as the end-to-end suite does, and then breaks it: worker processes
killed, the Temporal server stopped, providers failing, webhooks repeated, forged and fuzzed.

It shares the end-to-end suite's fixtures (each module gets its own dev server) rather than a copy of them.
"""

from __future__ import annotations

from tests.e2e.conftest import e2e_temporal, shop, stack, workerless_stack

__all__ = ["e2e_temporal", "shop", "stack", "workerless_stack"]
