"""The browser-worker supervisor: one browser worker process per active LinkedIn account.

    python -m workers.supervisor            # supervise every active account (make run, compose)
    python -m workers.supervisor worker X   # run the browser worker of account X in the foreground

Every `poll_seconds` it reads the active accounts from the database, starts a worker for each account
without one, stops the worker of an account that was deactivated or paused, and restarts a crashed worker
with exponential backoff (1 s doubling to 5 min; reset once a worker has stayed up for 10 minutes).
A worker that exits because another process holds its account's lease is retried on the same backoff:
the lease expires when its holder dies.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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

    def stop_all(self) -> None:
        for child in self.children.values():
            self._stop(child)
        self.children.clear()

    @staticmethod
    def _stop(child: Child, timeout: float = 30.0) -> None:
        if not child.alive():
            return
        child.process.terminate()  # warm shutdown: the current task finishes, the lease is released
        try:
            child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


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
    return subprocess.Popen([sys.executable, "-m", "workers.browser_process", handle], env=os.environ.copy())


def supervise(poll_seconds: float = 10.0) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openoutreach.settings")
    import django

    django.setup()
    from django.db import close_old_connections

    supervisor = Supervisor(wanted=active_handles, spawn=spawn_worker)
    stopping = False

    def request_stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("browser-worker supervisor started (poll every %.0fs)", poll_seconds)
    try:
        while not stopping:
            close_old_connections()
            try:
                supervisor.reconcile()
            except Exception:  # a database hiccup must not take the running workers down with it
                log.exception("reconcile failed; retrying")
            deadline = time.monotonic() + poll_seconds
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        supervisor.stop_all()
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
