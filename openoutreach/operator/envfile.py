"""The data directory's env file (`openoutreach.env`): settings the operator gave at onboarding.

Updates keep every other line as it was, replace the file atomically (a crash never leaves half a
file) and keep it owner-only (0600): it holds the LLM API key. Values are single-quoted in the syntax
python-dotenv reads back (what settings.py uses), so any character round-trips.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def quote(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("env file values must be one line")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def update(path: Path, values: Mapping[str, str | None]) -> None:
    """Set (or, with None, remove) these keys in the env file, creating it owner-only if needed."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    kept: list[str] = []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        if match and match.group(1) in pending:
            value = pending.pop(match.group(1))
            if value is not None:
                kept.append(f"{match.group(1)}={quote(value)}")
            continue
        kept.append(line)
    if not lines:
        kept.append("# Written by `python manage.py onboard`; the process environment wins over this file.")
    kept.extend(f"{key}={quote(value)}" for key, value in pending.items() if value is not None)
    _write_private(path, "\n".join(kept) + "\n")


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
