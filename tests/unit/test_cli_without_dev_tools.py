"""The production image has no emulators, dev stack or benchmarks: `creatorflow` must work without them,
and list the dev commands only where a checkout has them."""

from __future__ import annotations

import subprocess
import sys

HELP = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None  # as if not installed: importing it raises ModuleNotFoundError
from typer.testing import CliRunner
import starter.cli
result = CliRunner().invoke(starter.cli.app, ["--help"])
assert result.exit_code == 0, result.output
loaded = [name for name, module in sys.modules.items() if module and name.split(".")[0] in {hidden!r}]
assert not loaded, loaded
print(result.output)
"""


def cli_help(*hidden: str) -> str:
    """`creatorflow --help` in a fresh interpreter where the `hidden` packages cannot be imported."""
    command = [sys.executable, "-c", HELP.format(hidden=hidden)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout


def commands(help_text: str) -> set[str]:
    """The first word of each row of the help's boxes: the command names (and options)."""
    rows = [line.split() for line in help_text.splitlines() if line.startswith("│ ")]
    return {row[1] for row in rows if len(row) > 1}


def test_without_the_dev_tools_the_cli_lists_the_production_commands_only() -> None:
    listed = commands(cli_help("emulators", "bench"))
    assert {"worker", "api", "reconcile", "report", "inventory", "backfill"} <= listed
    assert not listed & {"dev", "sandbox", "bench"}


def test_a_checkout_lists_the_dev_commands_too() -> None:
    assert {"worker", "api", "dev", "sandbox", "bench"} <= commands(cli_help())
