"""Tests that need a system package pip cannot install (Chromium, Compose): skipped where it is missing,
except in CI (`CI=true`), which installs them all (.ci/run), so a missing one there is a failure."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing_system_tool(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
