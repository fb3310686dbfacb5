"""The browser worker process of one account: `python -m workers.browser_process <handle>`.

It takes the account's lease in Redis BEFORE it consumes anything (a second worker for the same account
refuses to start and says who holds it), keeps renewing it, then runs a Celery worker in this very process:
solo pool, concurrency 1, prefetch 1, consuming only `browser.<handle>`. If the lease is ever lost to
another holder, the process dies at once: two live sessions of one account are an instant ban risk.
A lease left by a worker of this account that was killed outright is cleared first, with a message.

SIGTERM, SIGINT and SIGHUP all mean a warm shutdown: the running task finishes, the browser closes, the
lease is released. (Celery's own SIGHUP handler would re-exec the worker in place, so a closed terminal or
`kill -HUP` would leave it running.)
"""

from __future__ import annotations

import logging
import os
import socket
import sys

ACCOUNT_ENV = "OPENOUTREACH_ACCOUNT"
EXIT_LEASE_HELD = 3
EXIT_LEASE_LOST = 4

log = logging.getLogger("openoutreach.browser_process")


def worker_argv(handle: str) -> list[str]:
    from workers.queues import browser_queue

    queue = browser_queue(handle)
    return [
        "worker",
        "-P", "solo",
        "-c", "1",
        "-Q", queue,
        "-n", f"{queue}@{socket.gethostname()}",
        "--prefetch-multiplier", "1",
        "--without-mingle",
        "--without-gossip",
        "-l", os.environ.get("LOG_LEVEL", "INFO"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m workers.browser_process <account-handle>", file=sys.stderr)
        return 2
    handle = args[0]
    os.environ[ACCOUNT_ENV] = handle
    # The sync Playwright API keeps an event loop running in this thread; Django's ORM would refuse to
    # run beside it without this (the solo pool runs tasks one at a time, so it is safe).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openoutreach.settings")

    import django

    django.setup()
    import redis
    from django.conf import settings

    from openoutreach.celery import app
    from openoutreach.safety.lease import AccountLease, LeaseHeld, LeaseKeeper
    from workers.queues import RoutingError, browser_queue

    try:
        browser_queue(handle)
    except RoutingError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    lease = AccountLease(
        redis.Redis.from_url(settings.REDIS_URL), handle, ttl_seconds=settings.ACCOUNT_LEASE_SECONDS
    )
    stale = lease.clear_if_stale()
    if stale:
        print(
            f"cleared the stale lease of account {handle!r}: its holder {stale} no longer runs",
            file=sys.stderr,
        )
    try:
        lease.acquire()
    except LeaseHeld as exc:
        print(f"refusing to start a second browser worker: {exc}", file=sys.stderr)
        return EXIT_LEASE_HELD

    def lost(reason: str) -> None:
        log.critical("stopping NOW: %s", reason)
        from workers.browser import kill_browser

        kill_browser()
        os._exit(EXIT_LEASE_LOST)

    keeper = LeaseKeeper(lease, on_lost=lost)
    keeper.start()
    app.Worker = _stop_on_hangup(app.Worker)
    try:
        app.worker_main(worker_argv(handle))
    finally:
        keeper.stop()
        lease.release()
    return 0


def _stop_on_hangup(worker_class):
    """The Celery worker class with SIGHUP mapped to a warm shutdown, like SIGTERM."""
    from celery.apps.worker import install_worker_term_handler

    class Worker(worker_class):
        def install_platform_tweaks(self, worker) -> None:
            super().install_platform_tweaks(worker)
            install_worker_term_handler(worker, sig="SIGHUP")

    return Worker


if __name__ == "__main__":
    sys.exit(main())
