"""Start and stop the real processes of the system (Celery workers, beat, Flower, Redis, the sandbox) for
`make run`, `make demo` and the tests.

Each process starts in its own session (a terminal's Ctrl-C or hang-up reaches only the command that
started it, which then stops its children in order) and dies with its parent (PR_SET_PDEATHSIG: a
launcher killed with SIGKILL takes its children with it). Stopping a process stops its whole tree:
the tree (pid + create time, with every process group in it) is recorded before the polite signal, so
grandchildren that started their own session (Chromium under Playwright) or were re-parented to init are
still found and killed when the grace runs out.

Each process logs to its own file, or echoes its output with a name prefix (`make run`); a failure to
come up raises with the tail of that output, so a broken start says why instead of timing out silently.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psutil

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Shutdown order of `make run` / `make demo`: the processes that take and do work stop first (their
# running tasks finish within the grace, browsers close), then beat, then the services the work talks to
# (the sandbox), then Redis, which the others need until they have acknowledged their last task.
STAGE_WORK, STAGE_BEAT, STAGE_SERVICES, STAGE_REDIS = 0, 1, 2, 3

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` that asks the kernel to send `sig` to the child when its parent dies (Linux)."""
    if _libc is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec


@dataclass(frozen=True)
class ProcessRecord:
    """One process by pid AND create time: a pid reused by an unrelated process never matches."""

    pid: int
    create_time: float
    name: str = ""

    @classmethod
    def of(cls, proc: psutil.Process) -> ProcessRecord:
        return cls(proc.pid, proc.create_time(), proc.name())

    def process(self) -> psutil.Process | None:
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE:
                return proc
        except psutil.Error:
            pass
        return None

    def alive(self) -> bool:
        return self.process() is not None


def snapshot_tree(pid: int) -> list[ProcessRecord]:
    """The process and every descendant, with the members of their process groups and sessions (a
    child in its own session may already have left the tree)."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    groups = {_pgid(p.pid) for p in members} - {None, os.getpgrp()}
    sessions = {_sid(p.pid) for p in members} - {None, os.getsid(0)}
    seen = {p.pid for p in members}
    for proc in psutil.process_iter():
        if proc.pid not in seen and (_pgid(proc.pid) in groups or _sid(proc.pid) in sessions):
            members.append(proc)
    records = []
    for proc in members:
        with contextlib.suppress(psutil.Error):
            records.append(ProcessRecord.of(proc))
    return records


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _sid(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def survivors(records: Iterable[ProcessRecord]) -> list[ProcessRecord]:
    return [r for r in records if r.alive()]


def kill_records(records: Iterable[ProcessRecord], timeout: float = 5.0) -> list[ProcessRecord]:
    """SIGKILL every recorded process still alive (and its process group, never ours); returns them."""
    alive = [(r, p) for r in records if (p := r.process()) is not None and p.pid != os.getpid()]
    groups = {_pgid(r.pid) for r, _ in alive} - {None, os.getpgrp()}
    for group in groups:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    for _, proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs([p for _, p in alive], timeout=timeout)
    return [r for r, _ in alive]


_started: weakref.WeakSet = weakref.WeakSet()


def kill_everything_started() -> int:
    """SIGKILL the trees of every ManagedProcess of this interpreter still running (an urgent stop)."""
    return sum(len(proc.kill()) for proc in list(_started) if proc.alive())


@dataclass(eq=False)
class ManagedProcess:
    """A child process in its own session, stopped with its whole tree."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path | None = None
    stage: int = STAGE_WORK
    echo: TextIO | None = None  # also print each output line, prefixed with the name
    process: subprocess.Popen | None = field(default=None, repr=False)
    tree: list[ProcessRecord] = field(default_factory=list, repr=False)
    _recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200), repr=False)

    def start(self) -> ManagedProcess:
        piped = self.echo is not None or self.log_path is None
        log = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115  (closed below or by the pump)
        self.process = subprocess.Popen(
            self.argv,
            cwd=PROJECT_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),  # noqa: PLW1509  (set up once, before any thread forks)
        )
        _started.add(self)
        if piped:
            threading.Thread(target=self._pump, args=(log,), name=f"out-{self.name}", daemon=True).start()
        elif log is not None:
            log.close()
        return self

    def _pump(self, log) -> None:
        """Copy the child's output to its log, the recent-lines buffer and (prefixed) our stdout."""
        assert self.process is not None and self.process.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for raw in self.process.stdout:
                self._recent.append(raw.decode(errors="replace").rstrip("\n"))
                if log is not None:
                    log.write(raw)
                    log.flush()
                if self.echo is not None:
                    try:
                        self.echo.write(f"{self.name:<15}| {raw.decode(errors='replace')}")
                        self.echo.flush()
                    except (OSError, ValueError):  # the terminal is gone (SIGHUP): keep draining
                        self.echo = None
        if log is not None:
            log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is not None:
            try:
                return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
            except FileNotFoundError:
                return "(no log)"
        return "\n".join(list(self._recent)[-lines:]) or "(no output)"

    def record(self) -> list[ProcessRecord]:
        """Remember the current tree (merged with what was seen before) and return it."""
        if self.process is not None:
            known = {r.pid: r for r in self.tree}
            known.update({r.pid: r for r in snapshot_tree(self.pid)})
            self.tree = list(known.values())
        return self.tree

    def terminate(self) -> None:
        """SIGTERM the process group (warm shutdown), after recording the tree that must end with it."""
        if not self.alive():
            return
        self.record()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> bool:
        """True when the process exited within `timeout`."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=max(timeout, 0))
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (warm shutdown), then SIGKILL whatever of its tree is left after `timeout`."""
        self.terminate()
        self.wait(timeout)
        self.kill()

    def kill(self) -> list[ProcessRecord]:
        """SIGKILL the process and its recorded tree (a crash, as far as the rest of the system can
        tell); returns the processes that had to be killed."""
        if self.process is None:
            return []
        self.record()
        killed = kill_records(self.tree)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()
        return killed


def celery_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "openoutreach", *args]


def worker_argv(queues: list[str], node: str, pool: str = "solo", concurrency: int = 1) -> list[str]:
    return celery_argv(
        "worker",
        "-Q", ",".join(queues),
        "-n", node,
        "-P", pool,
        "-c", str(concurrency),
        "--prefetch-multiplier", "1",
        "--without-mingle",
        "--without-gossip",
        "-l", "INFO",
    )  # fmt: skip


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def wait_for_worker(app, node: str, proc: ManagedProcess, timeout: float = 60.0) -> None:
    """Until the worker answers a ping by its node name (or dies, with its log in the error)."""

    def answered() -> bool:
        if not proc.alive():
            raise RuntimeError(f"worker {node} exited with {proc.process.returncode}:\n{proc.log_tail()}")
        replies = app.control.ping(destination=[node], timeout=0.5) or []
        return any(node in reply for reply in replies)

    try:
        wait_until(answered, timeout, what=f"worker {node} to answer a ping")
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}\n--- {proc.log_path} ---\n{proc.log_tail()}") from None
