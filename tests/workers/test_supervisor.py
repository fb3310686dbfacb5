"""The supervisor keeps exactly one browser worker per active account."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from openoutreach.celery import app
from openoutreach.processes import wait_until
from workers.supervisor import BACKOFF_START, Supervisor


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sleepers():
    started: list[subprocess.Popen] = []

    def spawn(handle: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        started.append(proc)
        return proc

    yield spawn, started
    for proc in started:
        proc.kill()
        proc.wait()


def test_it_starts_one_worker_per_wanted_account_and_stops_unwanted_ones(sleepers):
    spawn, started = sleepers
    wanted = {"alice", "bob"}
    sup = Supervisor(wanted=lambda: wanted, spawn=spawn, clock=FakeClock())

    sup.reconcile()
    sup.reconcile()
    assert sorted(sup.children) == ["alice", "bob"] and len(started) == 2

    wanted.discard("bob")
    sup.reconcile()
    assert sorted(sup.children) == ["alice"]
    assert started[1].poll() is not None  # bob's worker was stopped


def test_a_crashed_worker_is_restarted_with_growing_backoff(sleepers):
    spawn, started = sleepers
    clock = FakeClock()
    sup = Supervisor(wanted=lambda: {"alice"}, spawn=spawn, clock=clock)
    sup.reconcile()

    started[-1].kill()
    started[-1].wait()
    sup.reconcile()  # notices the crash, schedules a restart
    assert len(started) == 1
    clock.now += BACKOFF_START
    sup.reconcile()
    assert len(started) == 2

    started[-1].kill()
    started[-1].wait()
    sup.reconcile()
    clock.now += BACKOFF_START
    sup.reconcile()
    assert len(started) == 2  # the second wait is twice as long
    clock.now += BACKOFF_START
    sup.reconcile()
    assert len(started) == 3
    assert sup.children["alice"].restarts == 2


@pytest.mark.slow
def test_the_real_supervisor_runs_a_worker_for_an_active_account_and_stops_it_on_deactivation(
    processes, redis_client, alice
):
    from openoutreach.operator import legal

    legal.accept("test")
    supervisor = processes(
        "supervisor", [sys.executable, "-m", "workers.supervisor"], {"SUPERVISOR_POLL_SECONDS": "0.5"}
    )
    node = f"browser.alice@{socket.gethostname()}"

    def alive() -> bool:
        assert supervisor.alive(), supervisor.log_tail()
        return any(node in reply for reply in app.control.ping(destination=[node], timeout=0.5) or [])

    wait_until(alive, timeout=60, what="alice's worker")
    alice.active = False
    alice.save(update_fields=["active"])
    wait_until(lambda: not alive(), timeout=60, what="alice's worker to stop")
    assert "no longer active" in supervisor.log_tail()


@pytest.mark.slow
def test_the_supervisor_starts_no_browser_until_the_legal_notice_is_accepted(processes, redis_client, alice):
    from openoutreach.operator import legal

    supervisor = processes(
        "supervisor", [sys.executable, "-m", "workers.supervisor"], {"SUPERVISOR_POLL_SECONDS": "0.5"}
    )
    wait_until(
        lambda: "legal notice has not been accepted" in supervisor.log_tail(),
        timeout=60,
        what="the supervisor to say why it starts nothing",
    )
    assert "starting the browser worker" not in supervisor.log_tail()

    legal.accept("test")
    wait_until(
        lambda: "starting the browser worker of alice" in supervisor.log_tail(),
        timeout=60,
        what="alice's worker once the notice is accepted",
    )
