"""Settings refuse a configuration that would let Temporal retry an activity whose call is still running,
or stop TikTok calls altogether."""

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


def test_the_tiktok_queue_rate_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATORFLOW_TIKTOK__QUEUE_ACTIVITIES_PER_SECOND", "12.5")

    assert Settings().tiktok.queue_activities_per_second == 12.5


@pytest.mark.parametrize("rate", ["0", "-5"])
def test_a_tiktok_queue_rate_that_would_stop_every_call_is_refused(
    monkeypatch: pytest.MonkeyPatch, rate: str
) -> None:
    monkeypatch.setenv("CREATORFLOW_TIKTOK__QUEUE_ACTIVITIES_PER_SECOND", rate)

    with pytest.raises(ValidationError, match="queue_activities_per_second"):
        Settings()
