"""Logs for people (text) or for log pipelines (one JSON object a line), naming the shop and order they
concern, so an operator can follow one order across the API, the workers and their retries."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# Where Temporal's workflow and activity loggers put their context on a record (`extra`).
_TEMPORAL_SCOPES = ("temporal_workflow", "temporal_activity")
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
        for details in _temporal_details(record):
            entry.update({key: details[key] for key in _TEMPORAL_KEYS if key in details})
        entry.update({key: getattr(record, key) for key in _CONTEXT_KEYS if hasattr(record, key)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class WorkflowIds(logging.Filter):
    """Gives a record logged by Temporal's workflow or activity logger the ids its workflow ID names
    (`ids_of`: `shop_id`, and `order_id` for an order), unless the call passed them itself."""

    def __init__(self, ids_of: Callable[[str], Mapping[str, str]]) -> None:
        super().__init__()
        self._ids_of = ids_of

    def filter(self, record: logging.LogRecord) -> bool:
        for details in _temporal_details(record):
            workflow_id = details.get("workflow_id")
            if isinstance(workflow_id, str):
                for key, value in self._ids_of(workflow_id).items():
                    record.__dict__.setdefault(key, value)
        return True


def _temporal_details(record: logging.LogRecord) -> list[dict[str, Any]]:
    return [
        details for scope in _TEMPORAL_SCOPES if isinstance(details := getattr(record, scope, None), dict)
    ]


def handler(log_format: LogFormat, ids_of: Callable[[str], Mapping[str, str]]) -> logging.Handler:
    """To stderr, in `log_format`, each workflow's and activity's records naming their shop and order."""
    out = logging.StreamHandler()
    if log_format is LogFormat.JSON:
        out.setFormatter(JsonFormatter())
    else:
        out.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    out.addFilter(WorkflowIds(ids_of))
    return out


def configure(log_format: LogFormat, ids_of: Callable[[str], Mapping[str, str]], level: str = "INFO") -> None:
    """Root logging for a long-running process (`creatorflow worker`, `creatorflow api`)."""
    logging.basicConfig(level=level.upper(), handlers=[handler(log_format, ids_of)], force=True)
