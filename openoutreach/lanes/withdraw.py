"""The withdraw lane: per account, withdraw invitations pending longer than their campaign allows.

For each runnable account, inside its working hours, under its daily withdrawal cap and when its
withdraw slot is due (paced like the other outward lanes): claim the oldest stale Pending deal (its
person too) and send `browser.withdraw`. LinkedIn keeps a cap on outstanding invitations, so a backlog
of unanswered ones silently throttles new ones (issue 13); a withdrawal does not give the invitation
back to the weekly allowance (the caps keep counting the original invitation).

Each tick also gives withdrawn deals of campaigns that re-invite (`reinvite_after_withdrawal`) back to
New once LinkedIn's three-week block is over (`pipeline/withdrawal.py`).
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, Lane, LinkedInAccount
from openoutreach.pipeline import claims, stages, transitions, withdrawal

from . import campaigns as campaign_choice
from .common import (
    OUTWARD_QUEUE_LIMIT,
    backed_up,
    claim_until,
    interval_seconds,
    new_task_id,
    runnable_accounts,
    send,
    slot_due,
    take_slot,
)

LANE = Lane.WITHDRAW


def dispatch_account(account: LinkedInAccount, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None
    if backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    for campaign in campaign_choice.active_campaigns(account):
        ds = withdrawal.stale(account, campaign, now).first()
        if ds is None:
            continue
        interval = interval_seconds(
            account, ActionLog.Kind.WITHDRAW, settings.MIN_ACTION_INTERVAL_SECONDS, now, rng
        )
        if not take_slot(account, LANE, interval, now):
            return None
        task_id = new_task_id()
        if not claims.take_deal(ds, task_id, now, state=stages.PENDING, outward=True, account=account):
            return None  # another dispatcher (or check_pending) took it first; the slot is spent
        send("browser.withdraw", claim_until(now), task_id, account=account.handle, deal_state_id=ds.pk)
        return {"account": account.handle, "campaign": campaign.name, "deal_state": ds.pk, "task": task_id}
    return None


def reopen(now: datetime) -> list[int]:
    """Withdrawn deals whose re-invite block is over, back to New (campaigns that re-invite only)."""
    reopened = []
    for ds in withdrawal.reopen_due(now)[:100]:
        try:
            transitions.reopen_after_withdrawal(ds)
        except transitions.TransitionRefused:
            continue
        reopened.append(ds.pk)
    return reopened


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    reopen(now)
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
