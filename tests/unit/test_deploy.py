"""docker-compose.yml and the Dockerfile stay in step with the code, and Compose accepts the file (Docker
itself cannot run here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.api.enums.v1 import IndexedValueType

from tests.system_tools import missing_system_tool
from workflows.search_attributes import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
# `${VAR:?message}`: Compose refuses the file while one is unset.
REQUIRED = sorted(set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yml").read_text())))


@pytest.fixture
def compose() -> list[str]:
    """Docker's Compose plugin, else Debian's `docker-compose` (v1, which CI installs)."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    missing_system_tool(
        "Compose is missing: `apt-get install docker-compose` (Debian) to validate docker-compose.yml"
    )


def compose_config(compose: list[str], file: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`config -q` on `file` with exactly these of the required variables set."""
    env = {name: value for name, value in os.environ.items() if name not in REQUIRED} | variables
    command = [*compose, "-f", str(file), "config", "-q"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_compose_runs_the_whole_production_shape() -> None:
    assert set(SERVICES) == {
        "postgresql",
        "temporal-admin-tools",
        "temporal",
        "temporal-setup",
        "temporal-ui",
        "worker",
        "api",
    }
    assert SERVICES["worker"]["command"] == ["worker"]
    assert SERVICES["api"]["command"][0] == "api"
    for name in ("worker", "api"):
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["environment"]["CREATORFLOW_TEMPORAL__ADDRESS"] == "temporal:7233"
        assert service["environment"]["CREATORFLOW_DATABASE_URL"].startswith("postgresql://")
        assert service["depends_on"]["temporal-setup"]["condition"] == "service_completed_successfully"
    assert SERVICES["temporal"]["environment"]["DB"] == "postgres12"


def test_the_ui_decrypts_through_the_apis_published_codec_endpoint() -> None:
    endpoint = SERVICES["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"]
    api_port = SERVICES["api"]["ports"][0].split(":")[0]
    assert endpoint.startswith(f"http://localhost:{api_port}/codec/")
    ui_origin = f"http://localhost:{SERVICES['temporal-ui']['ports'][0].split(':')[0]}"
    assert ui_origin in SERVICES["api"]["environment"]["CREATORFLOW_CODEC_CORS_ORIGINS"]


def test_compose_validates_the_file_and_refuses_it_broken(compose: list[str], tmp_path: Path) -> None:
    dummies = dict.fromkeys(REQUIRED, "dummy")
    accepted = compose_config(compose, ROOT / "docker-compose.yml", **dummies)
    assert accepted.returncode == 0, accepted.stderr

    # A copy away from the repo, so no `.env` beside it supplies what the environment lacks.
    copy = tmp_path / "docker-compose.yml"
    copy.write_text((ROOT / "docker-compose.yml").read_text())
    without_token = compose_config(compose, copy, **{name: dummies[name] for name in REQUIRED[1:]})
    assert without_token.returncode != 0 and REQUIRED[0] in without_token.stderr
    broken = dict(COMPOSE, services=dict(SERVICES, worker=dict(SERVICES["worker"], restart_policy="always")))
    copy.write_text(yaml.safe_dump(broken))
    unknown_option = compose_config(compose, copy, **dummies)
    assert unknown_option.returncode != 0 and "restart_policy" in unknown_option.stderr


def test_every_mounted_file_exists() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), source


def test_search_attributes_registered_by_compose_match_the_code() -> None:
    script = (ROOT / "deploy" / "temporal-setup.sh").read_text()
    registered = dict(re.findall(r"^attribute (\w+) (\w+)$", script, flags=re.MULTILINE))
    in_code = {
        key.name: IndexedValueType.Name(key.indexed_value_type).removeprefix("INDEXED_VALUE_TYPE_")
        for key in SEARCH_ATTRIBUTES
    }
    assert {name: kind.replace("_", "").lower() for name, kind in in_code.items()} == {
        name: kind.lower() for name, kind in registered.items()
    }


def test_the_image_holds_every_package_of_the_product_and_no_dev_tool() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    installed = {pattern.rstrip("*") for pattern in packages["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE))
    dev_tools = {"emulators", "devstack", "bench"}
    assert dev_tools <= installed  # a checkout's `pip install -e '.[dev]'` has them
    assert copied == installed - dev_tools
    assert not re.search(r"^COPY .*\b(emulators|devstack|bench)\b", (ROOT / "Dockerfile").read_text(), re.M)
