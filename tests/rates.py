"""Counting a rate the way a limiter does: the most events within any one second."""

from __future__ import annotations

from collections.abc import Iterable


def busiest_second(times: Iterable[float]) -> int:
    """The most of `times` (seconds) that fall within any window shorter than one second."""
    ordered = sorted(times)
    busiest = first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest
