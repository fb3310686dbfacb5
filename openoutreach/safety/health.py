"""What LinkedIn's answers do to an account's health: a checkpoint or refused credentials pause it
(never retried). The rules themselves are behaviour of the model (`LinkedInAccount.pause`, `resume`,
`pause_lane`, `may_act`, `record_failure`, in `openoutreach.outreach.account_health`); the helpers
here are kept for callers that read better with a verb.
"""

from __future__ import annotations

from datetime import datetime

from openoutreach.outreach.models import ActionLog, LinkedInAccount


def pause(account: LinkedInAccount, reason: str, until: datetime | None = None) -> None:
    account.pause(reason, until)


def resume(account: LinkedInAccount) -> None:
    account.resume()


def is_paused(account: LinkedInAccount, now: datetime | None = None) -> bool:
    return account.is_paused(now)


def checkpoint(account: LinkedInAccount, reason: str, url: str = "", task_id: str = "") -> None:
    """LinkedIn asked for a security check: nothing automatic can pass it, so never retry."""
    account.pause(
        f"LinkedIn security checkpoint: {reason}. Complete it in a browser, then resume the account."
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
    account.pause(f"LinkedIn refused the credentials ({message}). Fix the password, then resume the account.")
    ActionLog.objects.create(
        account=account,
        kind=ActionLog.Kind.LOGIN,
        outcome=ActionLog.Outcome.FAILED,
        detail=message,
        task_id=task_id,
    )
