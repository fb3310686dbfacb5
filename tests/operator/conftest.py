"""Operator tests: commands run as real child processes on the test database, each with its own data
directory (its env file and credentials key), so what one test writes never leaks into another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from openoutreach.operator.onboarding import all_flag_questions, joins_question, members_question
from openoutreach.testing.processes import PROJECT_DIR

QUESTION_KEYS = {q.key for q in [*all_flag_questions(), joins_question(), members_question()]} | {"SETUP_NOW"}


@pytest.fixture
def child_data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def child_env(transactional_db, workspace, child_data_dir) -> dict[str, str]:
    """The environment of a command run by a test: the test database, a fresh data dir, no answers."""
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in QUESTION_KEYS}
    env.update(
        DATA_DIR=str(child_data_dir),
        DATABASE_URL=f"sqlite:///{connection.settings_dict['NAME']}",
        DJANGO_SETTINGS_MODULE="openoutreach.settings",
        PYTHONUNBUFFERED="1",
        TZ="UTC",
    )
    return env


@pytest.fixture
def manage(child_env):
    """Run `manage.py <args>` without a terminal (stdin is /dev/null)."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env={**child_env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def child_decrypt(child_data_dir):
    """Decrypt a stored credential with the key the child process generated in its data dir."""

    def decrypt(token: str) -> str:
        key = (child_data_dir / "credentials.key").read_bytes().strip()
        return Fernet(key).decrypt(token.encode()).decode()

    return decrypt
