"""The browser worker process of an account holds its lease; a second one for the account refuses."""

from __future__ import annotations

import sys

import pytest

from openoutreach.celery import app
from openoutreach.processes import wait_for_worker, wait_until
from openoutreach.safety.lease import AccountLease
from workers.browser_process import EXIT_LEASE_HELD

pytestmark = pytest.mark.slow


def _node(handle: str) -> str:
    import socket

    return f"browser.{handle}@{socket.gethostname()}"


def test_a_second_worker_for_one_account_refuses_to_start_and_says_why(processes, redis_client):
    argv = [sys.executable, "-m", "workers.browser_process", "alice"]
    first = processes("browser-alice-1", argv)
    wait_for_worker(app, _node("alice"), first)
    assert AccountLease(redis_client, "alice").current_holder().endswith(f":{first.pid}")

    second = processes("browser-alice-2", argv)
    wait_until(lambda: not second.alive(), timeout=60, what="the second worker to give up")
    assert second.process.returncode == EXIT_LEASE_HELD
    assert "refusing to start a second browser worker" in second.log_tail()
    assert f":{first.pid}" in second.log_tail()

    result = app.send_task("browser.identify", kwargs={"account": "alice"}).get(timeout=30)
    assert result["pid"] == first.pid

    first.stop()  # warm shutdown releases the lease at once
    assert AccountLease(redis_client, "alice").current_holder() is None
    third = processes("browser-alice-3", argv)
    wait_for_worker(app, _node("alice"), third)
