"""Checked-in histories replayed against today's workflow code: a change that would break a running
workflow (a command added, removed or reordered without `workflow.patched`) fails here, not in production.

The histories are recorded from the end-to-end scenarios by `make record-histories`. Add new ones when a
workflow gains a path; never re-record to make this test pass: patch the workflow instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.worker import Replayer

from tests.keys import TEST_KEYRING
from tests.replay_record import load_history
from workers.client import data_converter
from workers.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_has_recorded_histories() -> None:
    recorded = {path.name.split("-", 1)[0] for path in HISTORIES}
    assert {workflow.__name__ for workflow in WORKFLOWS} <= recorded


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_recorded_history_replays_on_current_code(path: Path) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(TEST_KEYRING))
    await replayer.replay_workflow(load_history(path))
