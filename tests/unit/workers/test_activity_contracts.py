"""Every activity definition in `activities.contracts` has exactly one implementation in the workers'
activity lists, on the definition's task queue, taking its input type and returning its output type: what
a workflow calls through `workflows.calls.call` is what a worker runs."""

from __future__ import annotations

import inspect
import typing
from types import SimpleNamespace
from typing import Any, cast

from temporalio import activity

from activities import contracts
from activities.contracts import ActivityDef
from creatorflow.config import Settings
from creatorflow.domain import Provider
from workers.worker import activities_by_queue

DEFINITIONS = [value for value in vars(contracts).values() if isinstance(value, ActivityDef)]


def registered() -> list[tuple[str, Any]]:
    """(task queue, implementation) of every activity the workers register. Nothing is called, so the
    store, TikTok client and Temporal client are placeholders."""
    carrier = SimpleNamespace(provider=Provider.SHIPPO)
    by_queue = activities_by_queue(cast(Any, None), Settings(), cast(Any, None), cast(Any, None), [carrier])
    return [(queue, fn) for queue, fns in by_queue.items() for fn in fns]


def name_of(fn: Any) -> str:
    definition = activity._Definition.must_from_callable(fn)
    assert definition.name is not None
    return definition.name


def test_every_definition_has_exactly_one_implementation_on_its_queue() -> None:
    implementations = registered()
    for definition in DEFINITIONS:
        queues = [queue for queue, fn in implementations if name_of(fn) == definition.name]
        assert queues == [definition.task_queue], definition.name
    assert sorted(name_of(fn) for _, fn in implementations) == sorted(d.name for d in DEFINITIONS)


def test_every_implementation_takes_the_input_and_returns_the_output_of_its_definition() -> None:
    by_name = {definition.name: definition for definition in DEFINITIONS}
    for _, fn in registered():
        definition = by_name[name_of(fn)]
        hints = typing.get_type_hints(fn)
        [parameter] = inspect.signature(fn).parameters
        assert hints[parameter] is definition.input, definition.name
        assert hints["return"] is definition.output, definition.name
