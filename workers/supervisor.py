"""The browser-worker supervisor: one browser worker process per active LinkedIn account.

    python -m workers.supervisor            # supervise every active account (make run, compose)
    python -m workers.supervisor worker X   # run the browser worker of account X in the foreground

Every `poll_seconds` it reads the active accounts from the database, starts a worker for each account
without one, stops the worker of an account that was deactivated or paused, and restarts a crashed worker
with exponential backoff (1 s doubling to 5 min; reset once a worker has stayed up for 10 minutes).
A worker that exits because another process holds its account's lease is retried on the same backoff:
the lease expires when its holder dies.

On SIGTERM, SIGINT or SIGHUP it warm-stops every worker at once (running tasks finish, browsers close,
leases are released) and kills what is left of their process trees after SHUTDOWN_GRACE_SECONDS; a second
signal skips the grace. Its workers die with it even when it is killed outright (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from openoutreach.processes import die_with_parent, kill_records, snapshot_tree

log = logging.getLogger("openoutreach.supervisor")

BACKOFF_START = 1.0
BACKOFF_MAX = 300.0
STABLE_AFTER = 600.0


@dataclass
class Child:
    handle: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = BACKOFF_START
    next_start_at: float = 0.0
    restarts: int = 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    """Reconciles running browser workers with the accounts that should have one."""

    wanted: Callable[[], Iterable[str]]
    spawn: Callable[[str], subprocess.Popen]
    clock: Callable[[], float] = time.monotonic
    children: dict[str, Child] = field(default_factory=dict)

    def reconcile(self) -> None:
        now = self.clock()
        wanted = set(self.wanted())
        for handle in list(self.children):
            if handle not in wanted:
                log.info("account %s is no longer active: stopping its worker", handle)
                self._stop(self.children.pop(handle))
        for handle in sorted(wanted):
            child = self.children.setdefault(handle, Child(handle))
            if child.alive():
                if now - child.started_at >= STABLE_AFTER:
                    child.backoff = BACKOFF_START
                continue
            if child.process is not None:  # it died: schedule a restart with backoff
                code = child.process.returncode
                child.process = None
                child.next_start_at = now + child.backoff
                log.warning("worker of %s exited with %s; restarting in %.0fs", handle, code, child.backoff)
                child.backoff = min(child.backoff * 2, BACKOFF_MAX)
                child.restarts += 1
            if now >= child.next_start_at:
                log.info("starting the browser worker of %s", handle)
                child.process = self.spawn(handle)
                child.started_at = now

    def stop_all(self, grace: float = 30.0, urgent: threading.Event | None = None) -> None:
        """Warm-stop every worker at once; kill what is left of their trees after `grace` (or at once
        when `urgent` is set: a second signal)."""
        urgent = urgent or threading.Event()
        children = [c for c in self.children.values() if c.alive()]
        trees = {c.handle: snapshot_tree(c.process.pid) for c in children}
        for child in children:
            child.process.terminate()  # warm shutdown: the current task finishes, the lease is released
        deadline = time.monotonic() + grace
        while not urgent.is_set() and time.monotonic() < deadline and any(c.alive() for c in children):
            urgent.wait(0.2)
        for child in children:
            late = kill_records(trees[child.handle] + snapshot_tree(child.process.pid))
            if late:
                log.warning(
                    "worker of %s: killed %d process(es) left after the grace", child.handle, len(late)
                )
            child.process.wait()
        self.children.clear()

    @staticmethod
    def _stop(child: Child, timeout: float = 30.0) -> None:
        if not child.alive():
            return
        tree = snapshot_tree(child.process.pid)  # Chromium runs in its own session: find it afterwards
        child.process.terminate()  # warm shutdown: the current task finishes, the lease is released
        try:
            child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        kill_records(tree)


_legal_missing_said = False


def active_handles() -> list[str]:
    from django.db.models import Q
    from django.utils import timezone

    from openoutreach.operator import legal
    from openoutreach.outreach.models import LinkedInAccount

    global _legal_missing_said
    if not legal.accepted():
        if not _legal_missing_said:  # once, not every poll
            log.warning(
                "the legal notice has not been accepted: no browser is started for any account "
                "(accept it with `manage.py onboard`, `manage.py add_account` or in the admin's account form)"
            )
        _legal_missing_said = True
        return []
    _legal_missing_said = False
    now = timezone.now()
    runnable = Q(status=LinkedInAccount.Status.OK) | Q(paused_until__isnull=False, paused_until__lte=now)
    return list(LinkedInAccount.objects.filter(active=True).filter(runnable).values_list("handle", flat=True))


def spawn_worker(handle: str) -> subprocess.Popen:
    # A supervisor killed outright (SIGKILL) still stops its workers: the kernel sends them SIGTERM.
    # Each worker gets its own session: a signal to the supervisor's process group (`make run`/`make demo`
    # stopping it, Ctrl-C in its terminal) must not reach the worker's Playwright driver, which shares the
    # worker's group and dies on it, closing the browser under a half-typed message. The supervisor
    # warm-stops its workers itself (stop_all), so a running action finishes within the grace.
    return subprocess.Popen(
        [sys.executable, "-m", "workers.browser_process", handle],
        env=os.environ.copy(),
        start_new_session=True,
        preexec_fn=die_with_parent(),  # noqa: PLW1509
    )


def supervise(poll_seconds: float = 10.0) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openoutreach.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import close_old_connections

    supervisor = Supervisor(wanted=active_handles, spawn=spawn_worker)
    stopping, urgent = threading.Event(), threading.Event()

    def request_stop(signum, frame) -> None:
        # SIGHUP too: a closed terminal must not leave browser workers (and their Chromium) behind.
        if stopping.is_set():
            log.warning("%s again: killing the browser workers now", signal.Signals(signum).name)
            urgent.set()
            return
        log.info("%s received: stopping the browser workers", signal.Signals(signum).name)
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, request_stop)
    log.info("browser-worker supervisor started (poll every %.0fs)", poll_seconds)
    try:
        while not stopping.is_set():
            close_old_connections()
            try:
                supervisor.reconcile()
            except Exception:  # a database hiccup must not take the running workers down with it
                log.exception("reconcile failed; retrying")
            stopping.wait(poll_seconds)
    finally:
        supervisor.stop_all(settings.SHUTDOWN_GRACE_SECONDS, urgent)
        log.info("browser-worker supervisor stopped")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname).1s %(name)s: %(message)s")
    if args[:1] == ["worker"] and len(args) == 2:
        from workers.browser_process import main as worker_main

        return worker_main(args[1:])
    if args:
        print("usage: python -m workers.supervisor [worker <account-handle>]", file=sys.stderr)
        return 2
    supervise(float(os.environ.get("SUPERVISOR_POLL_SECONDS", "10")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
