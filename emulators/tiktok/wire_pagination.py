"""Cursor pagination shared by every search endpoint (reference §5.2 "Pagination", §9.5).

TikTok's cursors are opaque: pass `next_page_token` back as `page_token`; there are no offsets. The emulator
snapshots the matching objects when a search starts, so objects created or updated while a client pages can
neither show up twice nor be skipped; each page shows the objects' current state. The last page answers
`next_page_token: ""`. A token only works for the search (shop, kind, sort, filters) that produced it.
"""

from __future__ import annotations

import base64
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from fastapi import Query

from emulators.tiktok.wire_errors import invalid_request

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
SortOrder = Literal["ASC", "DESC"]


@dataclass(frozen=True)
class PageRequest:
    page_size: int
    page_token: str | None


def page_request(smallest: int, largest: int, default: int | None = None) -> Callable[..., PageRequest]:
    """`page_size` and `page_token` as a FastAPI dependency, with the endpoint's own `page_size` range.

    Without a default, `page_size` is required (as on order, package and product search)."""
    size = Query(default if default is not None else ..., ge=smallest, le=largest)

    def paging(page_size: int = size, page_token: str | None = None) -> PageRequest:
        return PageRequest(page_size, page_token)

    return paging


class Filters(Protocol[T_contra]):
    """A search request body: it decides which objects match, and its JSON tells searches apart."""

    def admits(self, item: T_contra, /) -> bool: ...

    def model_dump_json(self) -> str: ...


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str
    total_count: int


class Paginator:
    def __init__(self, keep: int = 1024) -> None:
        self._keep = keep
        self._snapshots: OrderedDict[int, tuple[str, list[Any]]] = OrderedDict()
        self._ids = itertools.count(1)

    def search(
        self,
        scope: str,
        request: PageRequest,
        filters: Filters[T],
        candidates: Iterable[T],
        key: Callable[[T], tuple[Any, ...]],
        sort_order: SortOrder,
    ) -> Page[T]:
        """A page of the `candidates` that `filters` admit, sorted by `key`.

        `scope` names the search (shop, kind, sort field); `candidates` are read on the first page only.
        """

        def matches() -> list[T]:
            return sorted((c for c in candidates if filters.admits(c)), key=key, reverse=sort_order == "DESC")

        return self._page(f"{scope}|{sort_order}|{filters.model_dump_json()}", request, matches)

    def _page(self, search: str, request: PageRequest, matches: Callable[[], list[T]]) -> Page[T]:
        if request.page_token:
            snapshot_id, offset = self._decode(request.page_token)
            stored = self._snapshots.get(snapshot_id)
            if stored is None or stored[0] != search or offset > len(stored[1]):
                raise invalid_request(
                    "Invalid page_token: it does not continue this search (or has expired)."
                )
            items: list[T] = stored[1]
        else:
            snapshot_id, offset, items = next(self._ids), 0, matches()
            self._snapshots[snapshot_id] = (search, items)
            while len(self._snapshots) > self._keep:
                self._snapshots.popitem(last=False)
        end = offset + request.page_size
        next_token = self._encode(snapshot_id, end) if end < len(items) else ""
        return Page(items=items[offset:end], next_page_token=next_token, total_count=len(items))

    @staticmethod
    def _encode(snapshot_id: int, offset: int) -> str:
        return base64.urlsafe_b64encode(f"{snapshot_id}:{offset}".encode()).decode().rstrip("=")

    @staticmethod
    def _decode(token: str) -> tuple[int, int]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            snapshot_id, offset = (int(part) for part in raw.split(":"))
        except ValueError as exc:
            raise invalid_request("Invalid page_token: not a token this API issued.") from exc
        return snapshot_id, offset
