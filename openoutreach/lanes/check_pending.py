"""The check_pending lane: Pending deals whose next check is due, a bounded batch per account per tick.

The per-deal backoff (24 h doubling by default) lives in DealState.next_check_at, written by the
transitions; this lane only collects what is due and claims it.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openoutreach.outreach.models import DealState, Lane
from openoutreach.pipeline import claims, stages

from .common import OUTWARD_QUEUE_LIMIT, backed_up, claim_until, runnable_accounts, send

LANE = Lane.CHECK_PENDING


def dispatch_account(account, now: datetime) -> dict | None:
    if not account.may_act(LANE, now)[0] or backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    due = list(
        DealState.objects.filter(account=account, state=stages.PENDING, next_check_at__lte=now)
        .filter(claims.unclaimed(now))
        .order_by("next_check_at")
        .values_list("pk", flat=True)[: settings.CHECK_PENDING_BATCH]
    )
    claimed = claims.take_each(DealState.objects.filter(state=stages.PENDING), "pk", due, now)
    if not claimed:
        return None
    task_id = send("browser.check_pending", claim_until(now), account=account.handle, deal_state_ids=claimed)
    return {"account": account.handle, "deal_states": claimed, "task": task_id}


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now = now or timezone.now()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now))]
