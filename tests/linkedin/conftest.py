"""Fixtures of the browser-layer tests: hand-made Voyager samples (pure tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _load_sibling(name: str) -> ModuleType:
    # tests/ has no __init__.py (DjangoCRM owns the top-level name `tests`), so helpers are loaded by path.
    spec = importlib.util.spec_from_file_location(
        f"linkedin_test_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def samples() -> ModuleType:
    """Builders of Voyager responses (see voyager_samples.py)."""
    return _load_sibling("voyager_samples")
