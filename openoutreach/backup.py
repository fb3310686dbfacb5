"""One archive that holds everything a deployment cannot regenerate (`manage.py backup` / `restore`).

The archive (tar.gz, owner-only) holds:
- the CRM database: SQLite through its online backup API (a consistent copy while workers write), or a
  PostgreSQL custom-format dump (`pg_dump`, or a dump made elsewhere and passed in, e.g. by the compose
  postgres container, whose server is newer than the app image's client);
- the credentials key (`credentials.key`): the LinkedIn passwords in the database are ciphertext that
  only this key opens, so the key MUST travel with the database (a key from CREDENTIALS_KEY in the
  environment is not copied: the manifest says so, and restore reminds you to set it);
- the generated secrets and settings in the data dir (secret_key, flower_password, admin_password,
  openoutreach.env) and the fitted qualifier models; optionally the saved pages (captures).
Not included: the embeddings DuckDB file and analytics (rebuilt from the database), browser cookies
(the accounts log in again), Redis (holds nothing that must survive).

`restore` checks every file against the manifest's sha256, refuses a database that already holds data
(unless forced), writes the database back (SQLite backup API, or `pg_restore --clean`), and puts the
files back owner-only, keeping a `.before-restore` copy of any file it replaces with different content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections

FORMAT = 1
SECRET_FILES = ("credentials.key", "secret_key", "flower_password", "admin_password", "openoutreach.env")
SQLITE_NAME, PGDUMP_NAME = "database/db.sqlite3", "database/db.pgdump"


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says what to do."""


@dataclass
class Outcome:
    """What a backup or restore did, for the command to print."""

    path: Path
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "sqlite" if "sqlite" in engine else "postgresql" if "postgresql" in engine else engine


def _pg_env() -> dict[str, str]:
    """libpq settings of the default database, in the environment (a password never goes in argv)."""
    db = settings.DATABASES["default"]
    values = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
              "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db.get("NAME")}  # fmt: skip
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def _run_pg(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client (Debian: postgresql-client)"
        )
    run = subprocess.run([tool, *args], env=_pg_env(), capture_output=True, text=True, timeout=3600)  # noqa: S603
    if run.returncode != 0:
        raise BackupError(f"{tool} failed ({run.returncode}): {run.stderr.strip()[-500:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_tree(source: Path, target: Path) -> None:
    if source.is_dir() and any(source.iterdir()):
        shutil.copytree(source, target, symlinks=False)


def create_backup(output: Path, captures: bool = False, database_dump: Path | None = None) -> Outcome:
    """Write the archive to `output` (see the module docstring); never leaves a partial file there."""
    data_dir = Path(settings.DATA_DIR)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        stage = Path(tmp) / "stage"
        (stage / "database").mkdir(parents=True)
        engine = _engine()
        if database_dump is not None:
            if engine != "postgresql":
                raise BackupError("--database-dump is for PostgreSQL; SQLite is copied by the backup itself")
            shutil.copyfile(database_dump, stage / PGDUMP_NAME)
        elif engine == "sqlite":
            _sqlite_copy(Path(settings.DATABASES["default"]["NAME"]), stage / SQLITE_NAME)
        elif engine == "postgresql":
            _run_pg("pg_dump", "--format=custom", "--no-owner", f"--file={stage / PGDUMP_NAME}")
        else:
            raise BackupError(f"cannot back up a {engine} database (SQLite and PostgreSQL only)")
        for name in SECRET_FILES:
            if (data_dir / name).is_file():
                (stage / "data").mkdir(exist_ok=True)
                shutil.copy2(data_dir / name, stage / "data" / name)
        _copy_tree(Path(settings.MODELS_DIR), stage / "data" / "models")
        if captures:
            _copy_tree(Path(settings.CAPTURES_DIR), stage / "data" / "captures")
        files = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
        key_source = (
            "environment"
            if settings.CREDENTIALS_KEY
            else "file"
            if "data/credentials.key" in files
            else "none"
        )
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": "postgresql" if database_dump is not None else engine,
            "credentials_key": key_source,
            "files": {name: _sha256(stage / name) for name in files},
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = Path(tmp) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(stage / "manifest.json", arcname="manifest.json")
            for name in files:
                tar.add(stage / name, arcname=name)
        os.replace(partial, output)
    outcome = Outcome(output, files)
    if key_source == "environment":
        outcome.notes.append(
            "the credentials key comes from CREDENTIALS_KEY in the environment and is NOT in the archive: "
            "keep it with the archive; a restore needs the same CREDENTIALS_KEY"
        )
    return outcome


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, WAL included)."""
    if not source.exists():
        raise BackupError(f"no database at {source}: nothing to back up")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def database_has_data() -> bool:
    """True when the configured database already holds campaigns, accounts or leads."""
    from crm.models import Lead

    from openoutreach.outreach.models import Campaign, LinkedInAccount

    try:
        return any(m.objects.exists() for m in (Campaign, LinkedInAccount, Lead))
    except DatabaseError:  # not migrated yet: a fresh database
        return False


def restore_backup(archive: Path, force: bool = False, database_dump_out: Path | None = None) -> Outcome:
    """Put an archive made by `create_backup` back (see the module docstring). With `database_dump_out`
    a PostgreSQL dump is written there instead of restored (for a pg_restore run elsewhere, e.g. in the
    compose postgres container)."""
    data_dir = Path(settings.DATA_DIR)
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    with tempfile.TemporaryDirectory(prefix="openoutreach-restore-") as tmp:
        stage = Path(tmp)
        try:
            with tarfile.open(archive, mode="r:gz") as tar:
                _extract(tar, stage)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{archive} is not a readable backup archive ({exc})") from None
        manifest = _verified_manifest(stage, archive)
        if database_has_data() and not force:
            raise BackupError(
                "the configured database already holds data: restore into a fresh data dir and database, "
                "or pass --force to replace it"
            )
        outcome = Outcome(archive)
        if database_dump_out is not None and manifest["engine"] == "postgresql":
            shutil.copyfile(stage / PGDUMP_NAME, database_dump_out)
            outcome.notes.append(
                f"the database dump is at {database_dump_out}: restore it with "
                "pg_restore --clean --if-exists --no-owner --dbname=<database> before starting the workers"
            )
        else:
            _restore_database(stage, manifest["engine"], outcome)
        for name in sorted(manifest["files"]):
            if name.startswith("data/"):
                _put_back(stage / name, data_dir / name.removeprefix("data/"), outcome)
        if manifest.get("credentials_key") == "environment":
            outcome.notes.append(
                "the archive's credentials key came from CREDENTIALS_KEY: set the same CREDENTIALS_KEY "
                "here, or the stored LinkedIn passwords cannot be decrypted"
            )
    return outcome


def _extract(tar: tarfile.TarFile, stage: Path) -> None:
    """Only plain files and folders under `stage`: no absolute paths, no '..', no links, no devices."""
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"refusing archive member {member.name!r}: not a plain file inside the archive")
    if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 checks the same again
        tar.extractall(stage, filter="data")
    else:
        tar.extractall(stage)  # noqa: S202 - every member was checked above


def _verified_manifest(stage: Path, archive: Path) -> dict:
    try:
        manifest = json.loads((stage / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError(f"{archive} has no readable manifest.json: not an OpenOutreach backup") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} is backup format {manifest.get('format')!r}; this version reads {FORMAT}"
        )
    for name, digest in manifest["files"].items():
        path = stage / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(
                f"{archive}: {name} is missing or damaged (checksum differs); nothing was restored"
            )
    return manifest


def _restore_database(stage: Path, engine: str, outcome: Outcome) -> None:
    here = _engine()
    if engine != here:
        raise BackupError(f"the archive holds a {engine} database but this deployment uses {here}")
    connections.close_all()
    if engine == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        src = sqlite3.connect(stage / SQLITE_NAME)
        dst = sqlite3.connect(target, timeout=60)
        try:
            src.backup(dst)  # page by page into the live file, WAL and all
        finally:
            dst.close()
            src.close()
        outcome.files.append(f"database -> {target}")
    else:
        _run_pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                f"--dbname={settings.DATABASES['default']['NAME']}", str(stage / PGDUMP_NAME))  # fmt: skip
        outcome.files.append(f"database -> PostgreSQL {settings.DATABASES['default']['NAME']}")


def _put_back(source: Path, target: Path, outcome: Outcome) -> None:
    """Copy owner-only; a different existing file is kept as <name>.before-restore."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.read_bytes() != source.read_bytes():
        os.replace(target, target.with_name(target.name + ".before-restore"))
        outcome.notes.append(f"{target} replaced (the previous one is {target.name}.before-restore)")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(source.read_bytes())
    os.chmod(target, 0o600)
    outcome.files.append(str(target))
