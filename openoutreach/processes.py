"""Start and stop the real processes of the system (Celery workers, beat, Flower) for `make demo` and tests.

Each process logs to its own file; a failure to come up raises with the tail of that log, so a broken
start says why instead of timing out silently.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115  (closed by the child's exit)
        self.process = subprocess.Popen(
            self.argv,
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group (warm shutdown), then SIGKILL what is left."""
        if not self.alive():
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, as far as the rest of the system can tell."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()


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
