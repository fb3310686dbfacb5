"""Flower sits behind basic auth and lists the live workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from openoutreach.flower_auth import FLOWER_CONF, FlowerAuthError, credential
from openoutreach.local_redis import free_port, wait_for_port
from openoutreach.processes import PROJECT_DIR

pytestmark = pytest.mark.slow


def test_flower_requires_credentials_and_lists_live_workers(start_celery, start_worker, redis_client):
    start_worker(["ml"], "ml")
    port = free_port()
    flower = start_celery(
        "flower", "flower", f"--port={port}", "--address=127.0.0.1", "--basic-auth=ops:s3cret-pass"
    )
    wait_for_port(port, timeout=30)
    base = f"http://127.0.0.1:{port}"

    assert httpx.get(f"{base}/api/workers", timeout=10).status_code == 401
    assert httpx.get(f"{base}/api/workers", auth=("ops", "wrong"), timeout=10).status_code == 401

    reply = httpx.get(f"{base}/api/workers?refresh=1", auth=("ops", "s3cret-pass"), timeout=30)
    assert reply.status_code == 200, flower.log_tail()
    assert any(name.startswith("ml@") for name in reply.json())


COMMA_PASSWORD = "correct-horse,battery,"


def _assert_one_credential(base: str, flower) -> None:
    """The whole password opens Flower; its comma-separated pieces and an empty credential do not."""
    ok = httpx.get(f"{base}/api/workers", auth=("ops", COMMA_PASSWORD), timeout=30)
    assert ok.status_code == 200, flower.log_tail()
    for piece in ("battery", "", "ops:correct-horse"):
        assert httpx.get(f"{base}/api/workers", auth=(piece, ""), timeout=10).status_code == 401, piece
    empty = httpx.get(f"{base}/api/workers", headers={"Authorization": "Basic ="}, timeout=10)
    assert empty.status_code == 401
    queued = httpx.post(
        f"{base}/api/task/async-apply/browser.follow_up",
        json={"args": [1, "hello"]},
        headers={"Authorization": "Basic YmF0dGVyeQ=="},  # "battery"
        timeout=10,
    )
    assert queued.status_code == 401


def test_a_password_with_commas_is_one_credential_through_the_launcher(processes):
    port = free_port()
    flower = processes(
        "flower-launcher",
        [sys.executable, "-m", "openoutreach.launcher", "flower"],
        {
            "FLOWER_USER": "ops",
            "FLOWER_PASSWORD": COMMA_PASSWORD,
            "FLOWER_PORT": str(port),
            "FLOWER_BASIC_AUTH": "battery",
        },  # fmt: skip  (an old-style setting must not open a way in)
    )
    wait_for_port(port, timeout=60)
    _assert_one_credential(f"http://127.0.0.1:{port}", flower)


def test_a_password_with_commas_is_one_credential_through_the_compose_script(processes):
    port = free_port()
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    flower = processes(
        "flower-compose",
        [str(PROJECT_DIR / "compose" / "start-flower")],
        {"FLOWER_USER": "ops", "FLOWER_PASSWORD": COMMA_PASSWORD, "FLOWER_PORT": str(port), "PATH": path},
    )
    wait_for_port(port, timeout=60)
    _assert_one_credential(f"http://127.0.0.1:{port}", flower)


@pytest.mark.parametrize(
    ("user", "password", "named"),
    [
        ("ops", "", "FLOWER_PASSWORD is empty"),
        ("", "pw", "FLOWER_USER is empty"),
        ("o:ps", "pw", "FLOWER_USER must not contain ':'"),
        ("ops", "pässword", "FLOWER_PASSWORD must be printable ASCII"),
        ("ops", "pass\nword", "FLOWER_PASSWORD must be printable ASCII"),
    ],
)
def test_a_password_basic_auth_cannot_carry_stops_flower_with_a_named_error(user, password, named):
    with pytest.raises(FlowerAuthError, match=named):
        credential(user, password)
    env = {**os.environ, "FLOWER_USER": user, "FLOWER_PASSWORD": password, "FLOWER_PORT": str(free_port())}
    run = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "openoutreach", "flower", f"--conf={FLOWER_CONF}"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode != 0
    assert f"Flower not started: {named}" in run.stderr


def test_the_launcher_refuses_such_a_password_before_starting_anything():
    env = {**os.environ, "FLOWER_PASSWORD": "pässword", "FLOWER_PORT": str(free_port())}
    run = subprocess.run(
        [sys.executable, "-m", "openoutreach.launcher", "flower"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "Flower not started: FLOWER_PASSWORD must be printable ASCII" in run.stderr
