"""The README documents every environment variable the settings read, and the module map every module."""

from __future__ import annotations

import re

from openoutreach.processes import PROJECT_DIR


def test_every_setting_read_from_the_environment_is_in_the_readme():
    settings_source = (PROJECT_DIR / "openoutreach" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    readme = (PROJECT_DIR / "README.md").read_text()
    assert len(names) > 30
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def mapped_paths(arch: str) -> set[str]:
    """Every `*.py` path the module map lists: entries under a `## dir/` or `### dir/` heading are
    relative to that folder (`voyager/parser.py` under `### openoutreach/linkedin/`)."""
    paths: set[str] = set()
    folder = ""
    for line in arch.splitlines():
        heading = re.match(r"#{2,3} ([\w/]+/)", line)
        if heading:
            folder = heading.group(1)
        elif line.startswith("#"):
            folder = ""
        elif line.startswith("- "):
            sibling = ""  # "`management/commands/backup.py`, `restore.py`": restore.py sits beside backup.py
            for entry in re.findall(r"`([^`]+\.py)`", line.split(" — ")[0]):
                if "/" in entry:
                    sibling = entry.rsplit("/", 1)[0] + "/"
                paths.add(folder + (entry if "/" in entry else sibling + entry))
    return paths


def test_every_module_is_in_the_module_map():
    # By path, not by file name: `linkedin/inspect.py` listed does not cover a new `ml/inspect.py`.
    listed = mapped_paths((PROJECT_DIR / "docs" / "ARCHITECTURE.md").read_text())
    modules = [
        str(p.relative_to(PROJECT_DIR))
        for top in ("openoutreach", "workers")
        for p in (PROJECT_DIR / top).rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    ]
    assert sorted(m for m in modules if m not in listed) == []
    assert sorted(p for p in listed if p.startswith(("openoutreach/", "workers/")) and p not in modules) == []
