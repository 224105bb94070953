"""`creatorflow dev`, the README's main job, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_dev_delivers_twenty_orders_and_prints_a_json_summary(tmp_path: Path) -> None:
    creatorflow = Path(sys.executable).parent / "creatorflow"
    env = {
        **os.environ,
        "CREATORFLOW_DATA_DIR": str(tmp_path),
        "CREATORFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'creatorflow.db'}",
    }
    finished = subprocess.run(
        [str(creatorflow), "dev", "--orders", "20", "--until", "delivered", "--json", "--timeout", "240"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    summary = json.loads(finished.stdout)  # stdout holds the summary and nothing else
    assert summary["orders"] == 20
    assert summary["states"] == {"DELIVERED": 20}
    assert summary["labels_bought"] == 20
    assert (tmp_path / "temporal.db").exists() and (tmp_path / "encryption.key").exists()
