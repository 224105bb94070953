"""The reconcile cursor: per shop, only ever moved forward (overlapping passes cannot rewind it)."""

from __future__ import annotations

from creatorflow.store import Store
from creatorflow.sync import RECONCILE_CURSOR


def test_the_cursor_starts_empty_moves_forward_and_never_back(store: Store) -> None:
    assert store.sync_cursor("shop-1", RECONCILE_CURSOR) is None
    assert store.advance_sync_cursor("shop-1", RECONCILE_CURSOR, 1_800_000_100) == 1_800_000_100
    # A slower pass that started earlier finishes later with an older high-water mark.
    assert store.advance_sync_cursor("shop-1", RECONCILE_CURSOR, 1_800_000_050) == 1_800_000_100
    assert store.advance_sync_cursor("shop-1", RECONCILE_CURSOR, 1_800_000_200) == 1_800_000_200
    assert store.sync_cursor("shop-1", RECONCILE_CURSOR) == 1_800_000_200
    assert store.sync_cursor("shop-2", RECONCILE_CURSOR) is None  # per shop
