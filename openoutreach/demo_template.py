"""A migrated, set-up CRM database kept beside the demo's data directory, so a demo starts from a copy.

Migrating DjangoCRM and our apps into a fresh SQLite file and loading the CRM's fixtures takes 30 s on
an idle 2-core machine and 90 s on a busy one: the largest part of the demo's start. The first demo
saves the result (`<demo dir>-template.sqlite3`, an SQLite online backup, so a WAL file never matters)
with a key naming every migration on disk, the DjangoCRM version and the workspace setup code; a later
demo whose key matches copies it instead (under a second). Any change to those makes a new one.
The template holds no campaign, account, secret or credential: only the empty, set-up workspace.

The same goes for the ML worker's MiniLM ONNX build (3-6 s of the first qualification, built from the
packaged weights into the data dir's models): the first demo keeps a copy beside the data dir
(`<demo dir>-models/`), later demos link it in before the ML worker starts; `onnx_minilm.is_built` (the
weights' sha256 and the builder version) decides whether a kept copy is still good.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from importlib import metadata
from pathlib import Path

KEY_SUFFIX = ".key"


def template_key() -> str:
    """What the template depends on (needs Django set up)."""
    from django.db.migrations.loader import MigrationLoader

    from openoutreach.pipeline import crm_setup

    loader = MigrationLoader(None, ignore_no_migrations=True)
    parts = [f"{app}.{name}" for app, name in sorted(loader.disk_migrations)]
    try:
        parts.append("django-crm-admin " + metadata.version("django-crm-admin"))
    except metadata.PackageNotFoundError:
        parts.append("django-crm-admin unknown")
    parts.append(hashlib.sha256(Path(crm_setup.__file__).read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _copy(source: Path, target: Path) -> None:
    """An SQLite online backup of `source` into a new `target` (written beside it, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    os.replace(partial, target)


def restore(template: Path, database: Path, key: str) -> bool:
    """Copy the template into `database` when its key matches; False when there is none to use."""
    key_file = template.with_name(template.name + KEY_SUFFIX)
    if not template.exists() or not key_file.exists() or key_file.read_text().strip() != key:
        return False
    for stale in (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    _copy(template, database)
    return True


def save(database: Path, template: Path, key: str) -> None:
    """Keep a copy of the freshly set-up `database` as the template (key written last)."""
    _copy(database, template)
    key_file = template.with_name(template.name + KEY_SUFFIX)
    key_file.write_text(key + "\n")


def _link_tree(source: Path, target: Path) -> None:
    """`source` copied to `target` as hard links where the filesystem allows (read-only files: the
    builder never writes into a finished build), else as copies; written beside it, then renamed."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, partial, copy_function=link)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)


def restore_model(kept: Path, models_dir: Path) -> bool:
    """Put the kept MiniLM build into `models_dir` when it is a complete, current one."""
    from openoutreach.ml.embeddings import MINILM_DIR
    from openoutreach.ml.onnx_minilm import is_built

    if not is_built(kept / MINILM_DIR):
        return False
    models_dir.mkdir(parents=True, exist_ok=True)
    _link_tree(kept / MINILM_DIR, models_dir / MINILM_DIR)
    return True


def keep_model(models_dir: Path, kept: Path) -> bool:
    """Keep the MiniLM build this demo's ML worker made (when there is one and none is kept yet)."""
    from openoutreach.ml.embeddings import MINILM_DIR
    from openoutreach.ml.onnx_minilm import is_built

    if is_built(kept / MINILM_DIR) or not is_built(models_dir / MINILM_DIR):
        return False
    kept.mkdir(parents=True, exist_ok=True)
    _link_tree(models_dir / MINILM_DIR, kept / MINILM_DIR)
    return True
