"""Nothing outlives the command that started it: the shared stop machinery, on real processes.

A small command (`stop_signals_command.py`) owns processes like `make run` does, including one that
ignores SIGTERM and a grandchild in its own session; whichever stop signal it gets, every process it
started is gone within the grace plus a few seconds. Also: a second signal skips the grace, a command
killed outright leaves nothing that blocks the next one, busy ports are named with their holder, a dead
worker's lease is cleared, and the test harness stops its processes when the test run is signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openoutreach.ports import PortBusy, ensure_free, pick_port
from openoutreach.processes import PROJECT_DIR, ProcessRecord, snapshot_tree, survivors, wait_until
from openoutreach.runstate import AlreadyRunning, RunRecord
from openoutreach.safety.lease import AccountLease, default_holder
from openoutreach.shutdown import INNER_MANAGER_MARGIN, LATER_STAGE_SECONDS

COMMAND = Path(__file__).with_name("stop_signals_command.py")
GRACE = 1.0
# work stage: grace + the inner managers' margin; then two later stages of at most 5 s; plus slack.
STOPPED_WITHIN = GRACE + INNER_MANAGER_MARGIN + 2 * LATER_STAGE_SECONDS + 5


def start_command(tmp_path: Path, grace: float = GRACE, record_dir: Path | None = None) -> subprocess.Popen:
    argv = [sys.executable, str(COMMAND), str(tmp_path), str(grace)]
    if record_dir is not None:
        argv.append(str(record_dir))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)


def wait_working(tmp_path: Path, command: subprocess.Popen) -> list[ProcessRecord]:
    """Until every child says it is ready; then the command's whole tree (grandchild included)."""

    def ready() -> bool:
        assert command.poll() is None, "the command exited early"
        logs = [tmp_path / f"{n}.log" for n in ("stubborn", "spawner", "redis")]
        return all(p.exists() and "ready" in p.read_text() for p in logs)

    wait_until(ready, timeout=30, what="the command's children")
    grandchild = int((tmp_path / "spawner.log").read_text().split()[1])
    tree = snapshot_tree(command.pid)
    assert grandchild in {r.pid for r in tree}
    assert len(tree) == 5  # the command, three children, the grandchild in its own session
    return tree


def assert_all_gone(tree: list[ProcessRecord], within: float) -> float:
    started = time.monotonic()
    wait_until(lambda: not survivors(tree), timeout=within, what="every process of the run to end")
    return time.monotonic() - started


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_any_stop_signal_stops_every_process_including_stubborn_ones_and_grandchildren(tmp_path, sig):
    command = start_command(tmp_path)
    tree = wait_working(tmp_path, command)

    os.kill(command.pid, sig)

    assert_all_gone(tree, within=STOPPED_WITHIN)
    output = command.communicate(timeout=10)[0]
    assert f"stopping on {sig.name}" in output and "stopped" in output


def test_a_second_signal_skips_the_grace(tmp_path):
    command = start_command(tmp_path, grace=120)
    tree = wait_working(tmp_path, command)

    os.kill(command.pid, signal.SIGTERM)
    for line in command.stdout:  # the shutdown has begun; the stubborn child would hold it for 120 s
        if line.startswith("stopping on"):
            break
    os.kill(command.pid, signal.SIGTERM)

    took = assert_all_gone(tree, within=15)
    assert took < 15  # far inside the 120 s grace
    command.wait(timeout=10)


def test_a_command_killed_outright_leaves_nothing_that_blocks_the_next_one(tmp_path):
    record_dir = tmp_path / "data"
    command = start_command(tmp_path, record_dir=record_dir)
    tree = wait_working(tmp_path, command)
    children = {str(r.pid) for r in tree if r.pid != command.pid}
    record_file = record_dir / "processes.json"
    wait_until(
        lambda: record_file.exists() and all(f'"pid": {pid},' in record_file.read_text() for pid in children),
        timeout=10,
        what="the run record to name every child and the grandchild",
    )

    with pytest.raises(AlreadyRunning, match=f"pid {command.pid}"):
        RunRecord.in_dir(record_dir, "the test command").claim()

    os.kill(command.pid, signal.SIGKILL)  # no cleanup at all: SIGTERM-deaf children stay behind
    command.wait()
    leftovers = survivors(tree)
    assert leftovers, "the stubborn children survive their parent's SIGKILL (they ignore the death signal)"

    said: list[str] = []
    record = RunRecord.in_dir(record_dir, "the test command").claim(say=said.append)

    assert survivors(tree) == []
    assert len(said) == 1 and f"pid {command.pid}" in said[0] and "ended without cleaning up" in said[0]
    assert "stubborn" in said[0] and "spawner" in said[0]
    record.release()
    assert not (record_dir / "processes.json").exists()


def test_a_busy_port_is_named_with_the_process_holding_it(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
         "s.listen(); print(s.getsockname()[1], flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = int(holder.stdout.readline())
        with pytest.raises(PortBusy) as busy:
            ensure_free({"web": port})
        message = str(busy.value)
        assert f"port {port} (web) is busy: held by pid {holder.pid}" in message
        assert "previous run may still be alive" in message

        chosen, note = pick_port(port, "web")
        assert chosen != port and f"port {port} (web) is busy" in note and f"using {chosen}" in note
    finally:
        holder.kill()
        holder.wait()
    ensure_free({"web": port})  # free again once its holder is gone


def test_a_lease_left_by_a_dead_worker_of_this_host_is_cleared_and_only_that(redis_client):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    here, _, _ = default_holder().rpartition(":")
    AccountLease(redis_client, "alice", holder=f"{here}:{gone.pid}").acquire()
    AccountLease(redis_client, "bob", holder=default_holder()).acquire()  # alive: this very process
    AccountLease(redis_client, "carol", holder=f"elsewhere:1:{gone.pid}").acquire()  # another host

    assert AccountLease(redis_client, "alice").clear_if_stale() == f"{here}:{gone.pid}"
    assert AccountLease(redis_client, "alice").current_holder() is None
    assert AccountLease(redis_client, "bob", holder="x:y:1").clear_if_stale() is None
    assert AccountLease(redis_client, "carol").clear_if_stale() is None
    assert AccountLease(redis_client, "carol").current_holder() == f"elsewhere:1:{gone.pid}"


HARNESS_TEST = """
import os, sys
from pathlib import Path
import pytest
from openoutreach.processes import ManagedProcess

@pytest.fixture
def sleeper(tmp_path):
    proc = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"],
                          dict(os.environ), tmp_path / "sleeper.log").start()
    yield proc
    proc.stop()

def test_waits(sleeper, redis_server):
    Path(os.environ["PIDS_FILE"]).write_text(f"{sleeper.pid} {redis_server.process.pid}")
    import time
    time.sleep(600)
"""


def hangup_as_from_a_terminal() -> None:
    """The probe run gets SIGHUP's default disposition, as a run in a terminal has: under `nohup` (a CI
    runner started that way) it inherits SIG_IGN, and the harness rightly leaves an ignored signal alone."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.slow
def test_a_signalled_test_run_stops_the_processes_its_fixtures_started(tmp_path):
    """SIGHUP and SIGTERM share one handler in the harness; SIGHUP (a closed terminal) is tested."""
    (tmp_path / "test_harness_probe.py").write_text(HARNESS_TEST)
    pids_file = tmp_path / "pids"
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_harness_probe.py"), "-q", "-p",
         "openoutreach.testing.fixtures", "-c", str(PROJECT_DIR / "pyproject.toml"), "-o", "timeout=0"],
        cwd=PROJECT_DIR, env={**os.environ, "PIDS_FILE": str(pids_file)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        preexec_fn=hangup_as_from_a_terminal,
    )  # fmt: skip
    wait_until(lambda: pids_file.exists() or run.poll() is not None, timeout=120, what="the probe test")
    assert pids_file.exists(), run.communicate()[0]
    tree = snapshot_tree(run.pid)
    assert {int(p) for p in pids_file.read_text().split()} <= {r.pid for r in tree}

    os.kill(run.pid, signal.SIGHUP)

    assert_all_gone(tree, within=30)
    assert "KeyboardInterrupt" in run.communicate(timeout=10)[0]  # unwound: every teardown ran
