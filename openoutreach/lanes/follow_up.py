"""The follow_up lane: one Connected deal per account slot, under the follow-up cap, in working hours.

With an LLM configured the message is drafted by the ML worker first (`ml.draft_followup`, chained
into `browser.follow_up`); without one, the browser task renders the campaign's template.
"""

from __future__ import annotations

import random
from datetime import datetime

from celery import chain
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, DealState, Lane
from openoutreach.pipeline import claims, stages

from .common import (
    OUTWARD_QUEUE_LIMIT,
    backed_up,
    claim_until,
    interval_seconds,
    new_task_id,
    runnable_accounts,
    slot_due,
    take_slot,
)

LANE = Lane.FOLLOW_UP


def due(account, now: datetime):
    # Stop on reply (pipeline/stop_rules.py): never a deal whose person answered any of our deals, and
    # not before its next_message_at (an out-of-office reply pushes it back).
    replied = DealState.objects.filter(lead_id=OuterRef("lead_id"), replied_at__isnull=False)
    return (
        DealState.objects.filter(account=account, state=stages.CONNECTED, campaign__active=True)
        .filter(claims.unclaimed(now))
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .filter(Q(next_message_at__isnull=True) | Q(next_message_at__lte=now))
        .exclude(Exists(replied))
        .order_by("id")
    )


def enqueue(account, ds: DealState, now: datetime, task_id: str) -> str:
    from openoutreach.celery import app

    expires = claim_until(now)
    browser = app.signature(
        "browser.follow_up",
        kwargs={"account": account.handle, "deal_state_id": ds.pk},
        expires=expires,
        task_id=task_id,
    )
    if settings.LLM_API_KEY:
        draft = app.signature(
            "ml.draft_followup", kwargs={"deal_state_id": ds.pk}, expires=expires, immutable=True
        )
        return chain(draft, browser).apply_async().id
    return browser.apply_async().id


def dispatch_account(account, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None
    if backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    ds = due(account, now).first()
    if ds is None:
        return None
    interval = interval_seconds(
        account, ActionLog.Kind.FOLLOW_UP, settings.MIN_ACTION_INTERVAL_SECONDS, now, rng
    )
    if not take_slot(account, LANE, interval, now):
        return None
    task_id = new_task_id()
    if not claims.take_deal(ds, task_id, now, state=stages.CONNECTED, outward=True, account=account):
        return None  # another dispatcher took the deal or the person first
    enqueue(account, ds, now, task_id)
    return {"account": account.handle, "deal_state": ds.pk, "task": task_id}


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
