"""How far each shop's reconciliation has read TikTok, so the next pass starts where the last one ended."""

from __future__ import annotations

from sqlmodel import Session

from creatorflow.store.repository import Repository
from creatorflow.store.tables import SyncCursor, utcnow


class CursorRepository(Repository):
    def sync_cursor(self, shop_id: str, name: str) -> int | None:
        with Session(self.engine) as session:
            row = session.get(SyncCursor, (shop_id, name))
            return row.value if row else None

    def advance_sync_cursor(self, shop_id: str, name: str, value: int) -> int:
        """Move the cursor forward to `value` (never back: passes may overlap); returns where it is."""
        with Session(self.engine) as session:
            row = session.get(SyncCursor, (shop_id, name))
            if row is None:
                row = SyncCursor(shop_id=shop_id, name=name, value=value)
            elif value > row.value:
                row.value = value
                row.updated_at = utcnow()
            else:
                return row.value
            session.add(row)
            session.commit()
            return value
