"""The deployment files, parsed once: docker-compose.yml (anchors merged), the Dockerfile, compose/start-*."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
START_SCRIPTS = sorted((ROOT / "compose").glob("start-*"))
DJANGO_ROLES = ("web", "beat", "worker-default", "worker-ml", "supervisor", "flower")


def exec_argv(script: Path) -> list[str]:
    """The argv a start script execs (its `exec ...` line, continuation lines joined)."""
    text = script.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("exec ")]
    assert len(lines) == 1, f"{script.name} must exec exactly one process"
    return shlex.split(lines[0])[1:]


def script_of(service: dict) -> Path | None:
    command = service.get("command")
    if isinstance(command, str) and command.startswith("/app/compose/start-"):
        return ROOT / "compose" / Path(command).name
    return None


def service_argv(service: dict) -> list[str]:
    """What a service runs in the end: its start script's exec line, or its own command."""
    script = script_of(service)
    if script is not None:
        return exec_argv(script)
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else list(command)


class Deploy:
    """What the deploy tests share (importlib mode cannot import this conftest by name: use the fixture)."""

    root = ROOT
    compose_file = COMPOSE_FILE
    start_scripts = START_SCRIPTS
    django_roles = DJANGO_ROLES
    exec_argv = staticmethod(exec_argv)
    script_of = staticmethod(script_of)
    service_argv = staticmethod(service_argv)


@pytest.fixture(scope="session")
def deploy() -> Deploy:
    return Deploy()


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def services(compose) -> dict[str, dict]:
    return compose["services"]
