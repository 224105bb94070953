"""Settings refuse a configuration that would let Temporal retry an activity whose call is still running."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from creatorflow.config import Settings


def test_the_defaults_let_every_provider_call_finish_inside_its_activity() -> None:
    settings = Settings()
    limit = settings.orders.activity_timeout.total_seconds()
    assert max(settings.tiktok.timeout_seconds, settings.shippo.timeout_seconds) < limit


def test_a_provider_timeout_as_long_as_the_activity_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATORFLOW_SHIPPO__TIMEOUT_SECONDS", "60")
    monkeypatch.setenv("CREATORFLOW_ORDERS__ACTIVITY_TIMEOUT", "PT60S")

    with pytest.raises(ValidationError, match=r"shippo.timeout_seconds \(60\) must be under"):
        Settings()
