"""`make run`, `make demo` and the supervisor leave nothing behind, whichever stop signal they get.

Each command is started for real (on the sandbox, free ports), waited on until it works (ports answer,
workers say they are ready, a browser is open), signalled, and then every process of its tree (recorded
before the signal, by pid + create time) must be gone within the grace plus a few seconds, with its
ports free; then it is started again and must work again. Every command gets two different signals
and every signal is sent to two commands: SIGTERM and SIGINT to `make run`, SIGHUP (the measured
failure: a closed terminal) and SIGTERM to `make demo`, SIGINT and SIGHUP to the supervisor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from openoutreach.celery import app
from openoutreach.ports import free_port, port_is_free
from openoutreach.processes import (
    PROJECT_DIR,
    ManagedProcess,
    ProcessRecord,
    kill_records,
    snapshot_tree,
    survivors,
    wait_for_worker,
    wait_until,
)
from openoutreach.safety.lease import AccountLease
from openoutreach.shutdown import INNER_MANAGER_MARGIN, LATER_STAGE_SECONDS
from openoutreach.testing.fixtures import HOSTNAME

pytestmark = pytest.mark.slow

GRACE = 10.0
# The work stage's grace + its margin, three later stages of at most 5 s, and slack for a busy machine.
STOPPED_WITHIN = GRACE + INNER_MANAGER_MARGIN + 3 * LATER_STAGE_SECONDS + 10


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback http URL the test built
            return True
    except urllib.error.HTTPError:  # 401 from Flower: it answers
        return True
    except OSError:
        return False


_launched: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _nothing_left_when_a_test_fails():
    """A failed assertion must not leave a whole system running for the rest of the session."""
    yield
    while _launched:
        command = _launched.pop()
        if command.poll() is None:
            kill_records(snapshot_tree(command.pid))
            command.wait()


def launch(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A command as an operator starts it: its own terminal session, output to a file."""
    with log.open("ab") as out:
        command = subprocess.Popen(argv, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    _launched.append(command)
    return command


def stop_and_check(command: subprocess.Popen, sig: int, ports: list[int], log: Path) -> list[ProcessRecord]:
    """Record the command's tree, send `sig`, and assert the tree is gone and the ports are free."""
    tree = snapshot_tree(command.pid)
    os.kill(command.pid, sig)
    try:
        wait_until(lambda: not survivors(tree), timeout=STOPPED_WITHIN, interval=0.5, what="the run to end")
    except TimeoutError:
        left = [f"{r.pid} {' '.join(p.cmdline()[:4])}" for r in survivors(tree) if (p := r.process())]
        raise AssertionError(f"still running: {left}\n{log.read_text(errors='replace')[-3000:]}") from None
    busy = [port for port in ports if not port_is_free(port)]
    assert busy == [], f"ports still busy after the run: {busy}"
    command.wait(timeout=10)
    return tree


def log_says(log: Path, *needles: str) -> bool:
    text = log.read_text(errors="replace") if log.exists() else ""
    return all(n in text for n in needles)


# --- make run --------------------------------------------------------------------------------------


@pytest.fixture
def run_env(process_env, workspace, tmp_path) -> dict[str, str]:
    """`make run` on a temp data dir and the (migrated) test database, with its own Redis and sandbox."""
    env = {**process_env, "DATA_DIR": str(tmp_path / "data"), "SHUTDOWN_GRACE_SECONDS": str(GRACE)}
    env.pop("REDIS_URL")  # so the launcher starts its private Redis (the last to stop)
    for name in ("WEB_PORT", "FLOWER_PORT", "PRIVATE_REDIS_PORT", "SANDBOX_PORT"):
        env[name] = str(free_port())
    return env


def start_run(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = launch([sys.executable, "-m", "openoutreach.launcher", "run"], env, log)

    def working() -> bool:
        assert command.poll() is None, log.read_text(errors="replace")
        return (
            answers(f"http://127.0.0.1:{env['WEB_PORT']}/healthz")
            and answers(f"http://127.0.0.1:{env['FLOWER_PORT']}/")
            and log_says(log, "default@", "ml@", " ready.", "browser-worker supervisor started")
        )

    wait_until(working, timeout=120, interval=0.5, what="`make run` to work")
    return command


def test_make_run_stops_everything_on_sigterm_and_sigint_refuses_busy_ports_and_starts_again(
    run_env, tmp_path
):
    ports = [int(run_env[n]) for n in ("WEB_PORT", "FLOWER_PORT", "PRIVATE_REDIS_PORT", "SANDBOX_PORT")]
    log = tmp_path / "run.log"
    command = start_run(run_env, log)

    second = subprocess.run(
        [sys.executable, "-m", "openoutreach.launcher", "run"], cwd=PROJECT_DIR, capture_output=True,
        text=True, timeout=120, env={**run_env, "DATA_DIR": str(tmp_path / "other")},
    )  # fmt: skip
    assert second.returncode == 1
    assert f"port {run_env['WEB_PORT']} (web) is busy: held by pid" in second.stderr
    assert "A previous run may still be alive" in second.stderr

    tree = stop_and_check(command, signal.SIGTERM, ports, log)
    assert len(tree) >= 10  # launcher, redis, sandbox, gunicorn x2, beat, two workers (+pool), ...
    assert log_says(log, "SIGTERM received", "stopped redis", "every process has stopped")
    assert not (tmp_path / "data" / "processes.json").exists()

    again = tmp_path / "run-again.log"
    command = start_run(run_env, again)
    stop_and_check(command, signal.SIGINT, ports, again)
    assert log_says(again, "SIGINT received")


# --- make demo -------------------------------------------------------------------------------------


@pytest.fixture
def demo_env(tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "DEMO_DIR": str(tmp_path / "demo"),
        "DEMO_PEOPLE": "60",
        "DEMO_SECONDS": "900",  # a safety net: the test signals it long before
        "SHUTDOWN_GRACE_SECONDS": str(GRACE),
    }
    for name in ("WEB_PORT", "FLOWER_PORT", "PRIVATE_REDIS_PORT", "SANDBOX_PORT"):
        env[name] = str(free_port())
    return env


def start_demo(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = launch([sys.executable, "-m", "openoutreach.launcher", "demo"], env, log)
    supervisor_log = Path(env["DEMO_DIR"]) / "logs" / "supervisor.log"

    def working() -> bool:
        assert command.poll() is None, log.read_text(errors="replace")
        return (
            answers(f"http://127.0.0.1:{env['WEB_PORT']}/healthz")
            and answers(f"http://127.0.0.1:{env['FLOWER_PORT']}/")
            and log_says(supervisor_log, f"browser.alice@{HOSTNAME} ready.")
        )

    wait_until(working, timeout=180, interval=0.5, what="the demo to work")
    return command


def test_make_demo_stops_everything_on_sighup_and_sigterm_and_starts_again(demo_env, tmp_path):
    ports = [int(demo_env[n]) for n in ("WEB_PORT", "FLOWER_PORT", "PRIVATE_REDIS_PORT", "SANDBOX_PORT")]
    log = tmp_path / "demo.log"
    command = start_demo(demo_env, log)
    assert log_says(log, f"web {ports[0]}", f"flower {ports[1]}")  # the ports it took are printed

    tree = stop_and_check(command, signal.SIGHUP, ports, log)
    assert len(tree) >= 12  # the issue counted 18-20 left behind by a SIGHUP
    assert log_says(log, "SIGHUP received", "stopped redis")

    again = tmp_path / "demo-again.log"
    command = start_demo(demo_env, again)
    stop_and_check(command, signal.SIGTERM, ports, again)
    assert log_says(again, "SIGTERM received")


# --- the supervisor --------------------------------------------------------------------------------


def start_supervisor(env: dict[str, str], tmp_path: Path, name: str) -> ManagedProcess:
    supervisor = ManagedProcess(
        name, [sys.executable, "-m", "workers.supervisor"], env, tmp_path / f"{name}.log"
    ).start()
    _launched.append(supervisor.process)
    node = f"browser.alice@{HOSTNAME}"

    def serving() -> bool:
        assert supervisor.alive(), supervisor.log_tail()
        return any(node in reply for reply in app.control.ping(destination=[node], timeout=0.5) or [])

    wait_until(serving, timeout=90, what="alice's browser worker")
    return supervisor


def test_the_supervisor_stops_its_workers_and_their_browsers_on_sigint_and_sighup(
    process_env, sandbox, alice, redis_client, tmp_path
):
    env = {
        **process_env,
        "LINKEDIN_BASE_URL": sandbox.base_url,
        "BROWSER_HUMAN_SPEED": "0.05",
        "BROWSER_MIN_PAGE_GAP_SECONDS": "0.3",
        "SUPERVISOR_POLL_SECONDS": "0.5",
        "SHUTDOWN_GRACE_SECONDS": str(GRACE),
    }
    from openoutreach.operator import legal

    legal.accept("test")  # the supervisor starts no browser before the legal notice is accepted
    supervisor = start_supervisor(env, tmp_path, "supervisor")
    health = app.send_task("browser.health", kwargs={"account": "alice"}).get(timeout=120)
    assert health["login"]  # a real Chromium is open in alice's worker
    tree = snapshot_tree(supervisor.pid)
    assert any("chrom" in r.name for r in tree), [r.name for r in tree]

    stop_and_check(supervisor.process, signal.SIGINT, [], supervisor.log_path)
    assert AccountLease(redis_client, "alice").current_holder() is None  # released, not left to lapse

    again = start_supervisor(env, tmp_path, "supervisor-again")
    stop_and_check(again.process, signal.SIGHUP, [], again.log_path)
    assert "SIGHUP received: stopping the browser workers" in again.log_tail()


def test_a_browser_worker_stops_on_sighup_instead_of_restarting_in_place(processes, redis_client, alice):
    """Celery re-execs a worker on SIGHUP when it has no terminal; a browser worker must stop instead
    (warm: its lease is released)."""
    worker = processes("browser-alice", [sys.executable, "-m", "workers.browser_process", "alice"])
    wait_for_worker(app, f"browser.alice@{HOSTNAME}", worker)

    os.kill(worker.pid, signal.SIGHUP)

    assert worker.wait(timeout=STOPPED_WITHIN), worker.log_tail()
    assert worker.process.returncode == 0
    assert "Restarting celery worker" not in worker.log_tail()
    assert AccountLease(redis_client, "alice").current_holder() is None
