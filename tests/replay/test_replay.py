"""Checked-in histories replayed against today's workflow code: a change that would break a running
workflow (a command added, removed or reordered without `workflow.patched`) fails here, not in production.

The histories are recorded from the end-to-end scenarios by `make record-histories`. Add new ones when a
workflow gains a path; never re-record to make this test pass: patch the workflow instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from tests.keys import TEST_KEYRING
from tests.replay_record import load_history
from workers.client import data_converter
from workers.worker import WORKFLOWS
from workflows.order import OrderWorkflow

with workflow.unsafe.imports_passed_through():
    from creatorflow.domain import Label
    from creatorflow.orders import OrderInput, OrderState

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_has_recorded_histories() -> None:
    recorded = {path.name.split("-", 1)[0] for path in HISTORIES}
    assert {workflow.__name__ for workflow in WORKFLOWS} <= recorded


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_recorded_history_replays_on_current_code(path: Path) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(TEST_KEYRING))
    await replayer.replay_workflow(load_history(path))


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowWithOneCommandMoved(OrderWorkflow):
    """Today's OrderWorkflow, but publishing its state before recording a new label instead of after."""

    @workflow.run
    async def run(self, input: OrderInput) -> OrderState:
        return await super().run(input)

    async def _record_label(self, label: Label) -> None:
        await self._publish()
        await super()._record_label(label)


async def test_a_workflow_with_one_command_moved_fails_replay() -> None:
    """The guard above works: the change a careless refactor would make is caught."""
    [shipped] = [path for path in HISTORIES if path.name.startswith("OrderWorkflow-test-fifty-paid-orders")]
    replayer = Replayer(
        workflows=[OrderWorkflowWithOneCommandMoved], data_converter=data_converter(TEST_KEYRING)
    )
    with pytest.raises(NondeterminismError):
        await replayer.replay_workflow(load_history(shipped))
