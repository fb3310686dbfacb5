"""Settings are typed: bad values stop the process at start with the variable's name."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from openoutreach.processes import PROJECT_DIR


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_non_integer_limit_stops_the_process_naming_the_variable(tmp_path):
    result = _manage("check", DATA_DIR=str(tmp_path), CONNECT_DAILY_LIMIT="twenty")
    assert result.returncode != 0
    assert 'Environment variable "CONNECT_DAILY_LIMIT" invalid' in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OUTWARD_ACTION_GAP_SECONDS", "1"), ("ACCOUNT_LEASE_SECONDS", "1"), ("CONNECT_DAILY_LIMIT", "-5")],
)
def test_a_value_outside_its_safe_range_stops_the_process(tmp_path, variable, value):
    # A safety floor must not be lowered by a typo: the check rejects it before anything starts.
    result = _manage("check", DATA_DIR=str(tmp_path), **{variable: value})
    assert result.returncode != 0
    assert f'Environment variable "{variable}" invalid' in result.stderr and "expected value" in result.stderr


def test_a_bad_boolean_and_a_bad_database_url_are_named_too(tmp_path):
    assert '"DEBUG" invalid' in _manage("check", DATA_DIR=str(tmp_path), DEBUG="maybe").stderr
    assert (
        '"DATABASE_URL" invalid' in _manage("check", DATA_DIR=str(tmp_path), DATABASE_URL="nosuch://x").stderr
    )


def test_secret_key_is_generated_once_and_kept_owner_only(tmp_path):
    probe = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _manage("shell", "-c", probe, DATA_DIR=str(tmp_path))
    second = _manage("shell", "-c", probe, DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_debug_is_off_unless_asked(settings):
    assert settings.DEBUG is False
