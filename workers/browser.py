"""Tasks of the browser worker pinned to one LinkedIn account; consumed from `browser.<handle>` only.

Governing design: shared/docs/architecture.md, "Browser worker (pinned to one account)".
"""

from __future__ import annotations

from celery import shared_task

from workers.base import BrowserTask, identity


@shared_task(bind=True, base=BrowserTask, name="browser.identify")
def identify(self, *, account: str) -> dict:
    """Which worker process serves this account (operators use it to find a worker)."""
    return identity(self)


def kill_browser() -> None:
    """Hard-stop this worker's browser (lease lost, task watchdog): the next task starts a fresh one."""
