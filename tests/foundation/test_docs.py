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


def test_every_module_is_in_the_module_map():
    arch = (PROJECT_DIR / "docs" / "ARCHITECTURE.md").read_text()
    modules = [
        p.relative_to(PROJECT_DIR)
        for top in ("openoutreach", "workers")
        for p in (PROJECT_DIR / top).rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    ]
    missing = [str(m) for m in modules if m.name not in arch]
    assert missing == []
