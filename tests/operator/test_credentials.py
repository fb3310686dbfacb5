"""Credentials at rest: LinkedIn passwords encrypted with a key from the environment or an owner-only key
file, never stored in clear; and `check --deploy` clean with production settings."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from openoutreach.outreach.models import LinkedInAccount
from openoutreach.processes import PROJECT_DIR
from openoutreach.testing.fixtures import make_account

PROBE = (
    "from openoutreach.outreach import crypto; import sys; "
    "print(crypto.encrypt(sys.argv[-1]) if sys.argv[-2] == 'enc' else crypto.decrypt(sys.argv[-1]))"
)


def shell(data_dir, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -c PROBE args` with Django set up, in a fresh data dir (its own key file, if any)."""
    code = "import django; django.setup(); " + PROBE
    base = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_KEY"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_DIR,
        env={**base, "DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "openoutreach.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_password_round_trips_and_the_column_never_holds_the_plaintext(workspace):
    account = make_account("alice")
    account.set_password("correct horse battery staple")
    account.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT password_encrypted FROM outreach_linkedinaccount WHERE id = %s", [account.pk])
        (stored,) = cursor.fetchone()
    assert "correct horse" not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert LinkedInAccount.objects.get(pk=account.pk).get_password() == "correct horse battery staple"

    account.set_password("correct horse battery staple")
    assert account.password_encrypted != stored, "a fresh IV every time: equal passwords do not look equal"


def test_the_key_file_is_created_owner_only_and_an_environment_key_wins(tmp_path):
    generated = tmp_path / "generated"
    result = shell(generated, "enc", "s3cret")
    assert result.returncode == 0, result.stderr
    key_file = generated / "credentials.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Fernet(key_file.read_bytes().strip()).decrypt(result.stdout.strip().encode()) == b"s3cret"

    from_env = tmp_path / "from-env"
    key = Fernet.generate_key().decode()
    result = shell(from_env, "enc", "s3cret", CREDENTIALS_KEY=key)
    assert result.returncode == 0, result.stderr
    assert not (from_env / "credentials.key").exists()
    assert Fernet(key.encode()).decrypt(result.stdout.strip().encode()) == b"s3cret"


def test_a_changed_key_is_reported_clearly_not_as_garbage(tmp_path):
    token = shell(tmp_path / "a", "enc", "s3cret").stdout.strip()
    result = shell(tmp_path / "b", "dec", token)
    assert result.returncode != 0
    assert "the credentials key changed; re-enter the password" in result.stderr
    assert "s3cret" not in result.stderr

    bad = shell(tmp_path / "c", "enc", "x", CREDENTIALS_KEY="not-a-key")
    assert "CREDENTIALS_KEY is not a valid Fernet key" in bad.stderr


def test_the_cookie_directory_is_owner_only(settings):
    assert stat.S_IMODE(settings.COOKIES_DIR.stat().st_mode) == 0o700


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    production = {
        "DATA_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "outreach.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **production},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
