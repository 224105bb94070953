"""What an entity workflow's state keeps of its own past, shared by orders and shops: the ids of the
events it has acted on (so a duplicate delivery changes nothing) and a short, readable history."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field


class Journal(BaseModel):
    max_remembered_events: ClassVar[int] = 500
    max_history: ClassVar[int] = 50

    seen_event_ids: list[str] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list)

    def remember(self, event_id: str) -> bool:
        """True the first time an event id is seen."""
        if event_id in self.seen_event_ids:
            return False
        self.seen_event_ids.append(event_id)
        del self.seen_event_ids[: -self.max_remembered_events]
        return True

    def note(self, at: datetime, text: str) -> None:
        self.history.append(f"{at:%Y-%m-%dT%H:%M:%SZ} {text}")
        del self.history[: -self.max_history]
