"""Logs for people (text) or for log pipelines (one JSON object a line), naming the shop and order they
concern, so an operator can follow one order across the API, the workers and their retries."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# Keys Temporal's loggers put under `temporal_workflow` / `temporal_activity` that are worth keeping.
_TEMPORAL_KEYS = ("workflow_id", "run_id", "workflow_type", "activity_type", "attempt")
# Keys our own log calls pass in `extra=`.
_CONTEXT_KEYS = ("shop_id", "order_id", "event_id")


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for scope in ("temporal_workflow", "temporal_activity"):
            details = getattr(record, scope, None)
            if isinstance(details, dict):
                entry.update({key: details[key] for key in _TEMPORAL_KEYS if key in details})
        entry.update({key: getattr(record, key) for key in _CONTEXT_KEYS if hasattr(record, key)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(log_format: LogFormat, level: str = "INFO") -> None:
    """Root logging for a long-running process (`creatorflow worker`, `creatorflow api`)."""
    handler = logging.StreamHandler()
    if log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
