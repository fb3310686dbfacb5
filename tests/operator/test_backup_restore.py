"""`manage.py backup` / `restore`: a deployment moved to a fresh data dir and database through one archive
keeps its campaigns, leads, qualifier models and secrets, and its LinkedIn passwords still decrypt (the
credentials key travelled with the ciphertext). Real commands in child processes, on SQLite and on the
local PostgreSQL (when it answers)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from openoutreach.processes import PROJECT_DIR

pytestmark = pytest.mark.slow

SEED = """
from django.conf import settings
from openoutreach.pipeline.campaigns import create_account, create_campaign
from openoutreach.pipeline.crm_setup import ensure_workspace
from openoutreach.pipeline.leads import discover
ensure_workspace()
campaign = create_campaign("devops", product_docs="Kubeflow", campaign_objective="platform leads")
create_account("alice", "alice@sandbox.test", "alice-secret-pass", campaign)
discover("https://www.linkedin.com/in/jane-doe/", "jane-doe")
(settings.MODELS_DIR / "qualifier-1.pkl").write_bytes(b"fitted model")
"""
CHECK = """
import json
from django.conf import settings
from crm.models import Lead
from openoutreach.outreach.models import LinkedInAccount
print(json.dumps({
    "password": LinkedInAccount.objects.get(handle="alice").get_password(),
    "leads": list(Lead.objects.values_list("website", flat=True)),
    "model": (settings.MODELS_DIR / "qualifier-1.pkl").read_bytes().decode(),
    "secret_key": settings.SECRET_KEY,
}))
"""


class Deployment:
    """One data dir + database, driven through manage.py in child processes."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("CREDENTIALS_KEY", "SECRET_KEY")},
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
        }

    def manage(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        run = subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=self.env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        if ok:
            assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        return run

    def check(self) -> dict:
        return json.loads(self.manage("shell", "-c", CHECK).stdout.strip().splitlines()[-1])


def _round_trip(old: Deployment, new: Deployment, archive: Path) -> None:
    old.manage("migrate", "--no-input", "-v", "0")
    old.manage("shell", "-c", SEED)
    before = old.check()

    written = old.manage("backup", "--output", str(archive))
    assert "backup written to" in written.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {
        "manifest.json",
        "data/credentials.key",
        "data/secret_key",
        "data/models/qualifier-1.pkl",
    } <= names

    restored = new.manage("restore", str(archive))  # a fresh data dir and an empty database
    assert "restored" in restored.stdout, restored.stdout
    assert new.check() == before
    assert before["password"] == "alice-secret-pass"
    assert stat.S_IMODE((new.data_dir / "credentials.key").stat().st_mode) == 0o600

    again = new.manage("restore", str(archive), ok=False)
    assert again.returncode != 0 and "already holds data" in again.stderr


def test_a_sqlite_deployment_survives_a_move_through_one_archive(tmp_path):
    old = Deployment(tmp_path / "old", f"sqlite:///{tmp_path / 'old' / 'db.sqlite3'}")
    new = Deployment(tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}")
    _round_trip(old, new, tmp_path / "backup.tar.gz")


def test_a_damaged_or_foreign_archive_restores_nothing(tmp_path):
    new = Deployment(tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}")
    archive = tmp_path / "damaged.tar.gz"
    stage = tmp_path / "stage"
    (stage / "data").mkdir(parents=True)
    (stage / "data" / "secret_key").write_text("tampered")
    manifest = {"format": 1, "engine": "sqlite", "credentials_key": "file",
                "files": {"data/secret_key": "0" * 64}}  # fmt: skip
    (stage / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(stage / "manifest.json", arcname="manifest.json")
        tar.add(stage / "data" / "secret_key", arcname="data/secret_key")
    run = new.manage("restore", str(archive), ok=False)
    assert run.returncode != 0 and "data/secret_key is missing or damaged" in run.stderr
    assert (new.data_dir / "secret_key").read_text() != "tampered"
    escaping = tmp_path / "escaping.tar.gz"
    with tarfile.open(escaping, "w:gz") as tar:
        tar.add(stage / "manifest.json", arcname="manifest.json")
        tar.add(stage / "data" / "secret_key", arcname="../../escaped")
    run = new.manage("restore", str(escaping), ok=False)
    assert "refusing archive member '../../escaped'" in run.stderr
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()
    (tmp_path / "text.tar.gz").write_text("not an archive")
    run = new.manage("restore", str(tmp_path / "text.tar.gz"), ok=False)
    assert "not a readable backup archive" in run.stderr


def _psql(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", *args],
                          capture_output=True, text=True, timeout=30)  # fmt: skip


@pytest.fixture
def postgres_databases():
    try:
        if _psql("select 1").returncode != 0:
            pytest.skip("the local PostgreSQL (127.0.0.1:5432, user postgres) does not answer")
    except FileNotFoundError:
        pytest.skip("psql is not installed")
    names = [f"oo_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("old", "new")]
    for name in names:
        assert _psql(f'CREATE DATABASE "{name}"').returncode == 0
    yield names
    for name in names:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_deployment_survives_a_move_through_one_archive(tmp_path, postgres_databases):
    old_db, new_db = postgres_databases
    old = Deployment(tmp_path / "old", f"postgresql://postgres@127.0.0.1:5432/{old_db}")
    new = Deployment(tmp_path / "new", f"postgresql://postgres@127.0.0.1:5432/{new_db}")
    _round_trip(old, new, tmp_path / "backup.tar.gz")
