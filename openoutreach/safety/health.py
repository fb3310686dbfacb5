"""Account health: pausing an account (checkpoint, wrong password), resuming it, and backing off after
repeated failures. Every lane skips a paused account; the admin shows the reason and since when.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, LinkedInAccount

log = logging.getLogger(__name__)

FAILURE_BACKOFF_START = timedelta(minutes=5)
FAILURE_BACKOFF_MAX = timedelta(hours=6)
FAILURES_BEFORE_BACKOFF = 3


def pause(account: LinkedInAccount, reason: str, until: datetime | None = None) -> None:
    """Stop every lane for this account (until an operator resumes it, or until `until`)."""
    now = timezone.now()
    LinkedInAccount.objects.filter(pk=account.pk).update(
        status=LinkedInAccount.Status.PAUSED, paused_reason=reason, paused_at=now, paused_until=until
    )
    account.refresh_from_db()
    log.warning("account %s paused: %s", account.handle, reason)


def resume(account: LinkedInAccount) -> None:
    LinkedInAccount.objects.filter(pk=account.pk).update(
        status=LinkedInAccount.Status.OK,
        paused_reason="",
        paused_at=None,
        paused_until=None,
        consecutive_failures=0,
    )
    account.refresh_from_db()


def is_paused(account: LinkedInAccount, now: datetime | None = None) -> bool:
    if account.status != LinkedInAccount.Status.PAUSED:
        return False
    return account.paused_until is None or account.paused_until > (now or timezone.now())


def checkpoint(account: LinkedInAccount, reason: str, url: str = "", task_id: str = "") -> None:
    """LinkedIn asked for a security check: nothing automatic can pass it, so never retry."""
    pause(
        account, f"LinkedIn security checkpoint: {reason}. Complete it in a browser, then resume the account."
    )
    ActionLog.objects.create(
        account=account,
        kind=ActionLog.Kind.LOGIN,
        outcome=ActionLog.Outcome.CHECKPOINT,
        detail=f"{reason} {url}".strip(),
        task_id=task_id,
    )


def wrong_credentials(account: LinkedInAccount, message: str, task_id: str = "") -> None:
    """Retrying a wrong password burns the account: stop and report."""
    pause(
        account, f"LinkedIn refused the credentials ({message}). Fix the password, then resume the account."
    )
    ActionLog.objects.create(
        account=account,
        kind=ActionLog.Kind.LOGIN,
        outcome=ActionLog.Outcome.FAILED,
        detail=message,
        task_id=task_id,
    )


def record_success(account: LinkedInAccount) -> None:
    if account.consecutive_failures:
        LinkedInAccount.objects.filter(pk=account.pk).update(consecutive_failures=0)


def record_failure(account: LinkedInAccount, reason: str) -> None:
    """After a few failures in a row, pause the account for a growing while (5 min doubling to 6 h)."""
    LinkedInAccount.objects.filter(pk=account.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    account.refresh_from_db(fields=["consecutive_failures"])
    excess = account.consecutive_failures - FAILURES_BEFORE_BACKOFF
    if excess >= 0:
        wait = min(FAILURE_BACKOFF_START * (2**excess), FAILURE_BACKOFF_MAX)
        pause(
            account,
            f"{account.consecutive_failures} failures in a row (last: {reason}); backing off",
            timezone.now() + wait,
        )
