"""How a command that started processes stops them: on SIGINT, SIGTERM or SIGHUP, in order, within a grace.

`make run` and `make demo` run under `StopSignals`: the first SIGINT (Ctrl-C), SIGTERM (`kill`, `timeout`,
a CI runner) or SIGHUP (the terminal was closed) raises `StopRequested` in the main thread, so a start in
progress is abandoned as well as a running system; a second signal during the shutdown sets `urgent` and
the grace is skipped. `stop_in_order` then stops the children stage by stage (see
`openoutreach.processes`): work first (running tasks finish within SHUTDOWN_GRACE_SECONDS, browsers
close), then beat, then the sandbox, then Redis; what is left of a stage when its time is up is killed
with its whole process tree.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable
from itertools import groupby

from openoutreach.processes import ManagedProcess, ProcessRecord

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Beat, the sandbox and Redis have nothing left to finish once the work has stopped: a short wait each.
LATER_STAGE_SECONDS = 5.0
# The work stage's own managers (the supervisor) kill their children at the grace: let them go first.
INNER_MANAGER_MARGIN = 3.0


class StopRequested(BaseException):  # noqa: N818  (like KeyboardInterrupt: not an error)
    """A stop signal arrived; unwinds the command to the code that stops its processes."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class StopSignals:
    """SIGINT/SIGTERM/SIGHUP handling for a command that owns child processes (a context manager).

    Before `stopping()`: a signal raises StopRequested. After it: a signal sets `urgent` (skip the
    grace). The previous handlers come back on exit.
    """

    def __init__(self, say: Callable[[str], None] = print) -> None:
        self.say = say
        self.received: int | None = None
        self.urgent = threading.Event()
        self._stopping = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def stopping(self) -> None:
        """From now on a signal only makes the shutdown urgent."""
        self._stopping = True

    def _handle(self, signum: int, frame) -> None:
        name = signal.Signals(signum).name
        if self._stopping:
            if not self.urgent.is_set():
                self.say(f"{name} received again: killing what is left without waiting")
            self.urgent.set()
            return
        self.received = signum
        self._stopping = True
        raise StopRequested(signum)


def stop_in_order(
    procs: Iterable[ManagedProcess],
    grace: float,
    urgent: threading.Event | None = None,
    say: Callable[[str], None] = print,
) -> list[ProcessRecord]:
    """Stop `procs` stage by stage (lowest first); returns the processes that had to be killed.

    Steps per stage: record each process tree and SIGTERM its group; wait until all have exited, the
    stage's time is up (the grace for the work stage, a few seconds for later ones) or `urgent` is set;
    SIGKILL what is left of their trees (including grandchildren in their own sessions).
    """
    urgent = urgent or threading.Event()
    killed: list[ProcessRecord] = []
    ordered = sorted((p for p in procs if p.process is not None), key=lambda p: p.stage)
    for stage, members in groupby(ordered, key=lambda p: p.stage):
        members = list(members)
        for proc in members:
            proc.terminate()
        seconds = grace + INNER_MANAGER_MARGIN if stage == ordered[0].stage else LATER_STAGE_SECONDS
        deadline = time.monotonic() + seconds
        for proc in members:
            while not urgent.is_set() and not proc.wait(min(0.2, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    break
        for proc in members:
            late = proc.kill()
            if late:
                say(f"{proc.name}: killed {len(late)} process(es) still running after the grace")
            killed.extend(late)
        took = seconds - (deadline - time.monotonic())
        say(f"stopped {', '.join(p.name for p in members)} ({took:.1f}s)")
    return killed
