"""Recording workflow histories for the replay tests, from the end-to-end scenarios themselves.

`make record-histories` runs `tests/e2e` with `--record-histories tests/replay/histories`: at the end of each
scenario, the longest history of each workflow type it ran is written there, to be checked in. So the
histories come from the real stack (emulators, API, activities), not from a script that could drift from it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from temporalio.client import Client, WorkflowHistory


async def record_histories(client: Client, started_after: datetime, scenario: str, into: Path) -> None:
    longest: dict[str, WorkflowHistory] = {}
    since = started_after.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    async for execution in client.list_workflows(f"StartTime >= '{since}'"):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        kept = longest.get(execution.workflow_type)
        if kept is None or len(history.events) > len(kept.events):
            longest[execution.workflow_type] = history
    for workflow_type, history in longest.items():
        save_history(history, into / f"{workflow_type}-{_slug(scenario)}.json")


def save_history(history: WorkflowHistory, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"workflow_id": history.workflow_id, "history": history.to_json_dict()}))


def load_history(path: Path) -> WorkflowHistory:
    recorded = json.loads(path.read_text())
    return WorkflowHistory.from_json(recorded["workflow_id"], recorded["history"])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
