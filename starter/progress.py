"""Progress for a log rather than a terminal: a live display in a pipe or CI's log writes escape codes or
nothing at all, so commands print one plain line whenever what they show changes instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def changed_lines(render: Callable[[T], str], emit: Callable[[str], None]) -> Callable[[T], None]:
    """A `show(value)` that emits `progress: <render(value)>` when that line differs from the last one."""
    shown = ""

    def show(value: T) -> None:
        nonlocal shown
        line = render(value)
        if line != shown:
            shown = line
            emit(f"progress: {line}")

    return show
