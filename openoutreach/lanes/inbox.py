"""The inbox lane: read each account's conversations, incrementally (only threads whose preview changed),
once per INBOX_SYNC_MINUTES (jittered, divided by TIME_SCALE), in working hours, never while the account
or its inbox lane is paused (a page the reader cannot read pauses it through the breaker). Only accounts
that have contacted someone are read: nothing else in an inbox concerns the product.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openoutreach.outreach.models import DealState, Lane
from openoutreach.pipeline import stages

from .common import OUTWARD_QUEUE_LIMIT, backed_up, claim_until, runnable_accounts, send, slot_due, take_slot

LANE = Lane.INBOX


def interval(rng: random.Random) -> float:
    jitter = settings.PACING_JITTER
    return settings.INBOX_SYNC_MINUTES * 60 * rng.uniform(1 - jitter, 1 + jitter) / settings.TIME_SCALE


def dispatch_account(account, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None
    if backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    if not DealState.objects.filter(account=account).exclude(state=stages.NEW).exists():
        return None  # nobody contacted through this account yet
    if not take_slot(account, LANE, interval(rng), now):
        return None
    task_id = send("browser.sync_inbox", claim_until(now), account=account.handle)
    return {"account": account.handle, "task": task_id}


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
