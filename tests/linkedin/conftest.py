"""Fixtures of the browser-layer tests: Voyager samples (pure tests), the sandbox, one browser per module."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from openoutreach.linkedin.client import LinkedInClient
from openoutreach.sandbox.testing import sandbox, sandbox_server  # noqa: F401


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


def make_client(base_url: str, handle: str, state_dir: Path, password: str | None = None) -> LinkedInClient:
    """A client for a sandbox account (alice@sandbox.test / alice-pass), human delays off."""
    client = LinkedInClient.for_account(
        base_url,
        state_dir / handle / "storage.json",
        f"{handle}@sandbox.test",
        password or f"{handle}-pass",
        speed=0,
        timeout_ms=15_000,
    )
    client.login_timeout_s = 15
    client.voyager.backoff_s = 0.0  # 5xx retries without waiting
    return client


@pytest.fixture(scope="module")
def alice(sandbox_server, tmp_path_factory) -> Iterator[LinkedInClient]:  # noqa: F811
    """alice's browser, shared by the tests of one module (one Chromium per module keeps the suite fast)."""
    client = make_client(sandbox_server.base_url, "alice", tmp_path_factory.mktemp("alice"))
    yield client
    client.close()
