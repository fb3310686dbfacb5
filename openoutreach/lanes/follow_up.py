"""The follow_up lane, now the sequence lane: per account slot, one Connected deal whose next sequence
step is due, under the message cap, in working hours.

Due: Connected, unclaimed, its retry time passed (`next_check_at`), its next step's time passed
(`next_message_at`: the step's delay, or an out-of-office push-back) and nobody stopped automated
messages to the person (`pipeline/stop_rules.py`: a reply to any account in any campaign). The task
names the step it sends (`step` = steps already sent + 1): the worker refuses a step that was sent
meanwhile, so one step never goes twice. An LLM step with an LLM configured is drafted by the ML worker
first (`ml.draft_followup`, chained into `browser.follow_up`); otherwise the step's template is sent.
"""

from __future__ import annotations

import random
from datetime import datetime

from celery import chain
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, DealState, Lane, SequenceStep
from openoutreach.pipeline import claims, sequences, stages
from openoutreach.pipeline.stop_rules import automated_messages_stopped, message_due

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
CANDIDATES = 5


def due(account, now: datetime):
    replied_anywhere = DealState.objects.filter(lead_id=OuterRef("lead_id"), replied_at__isnull=False)
    return (
        DealState.objects.filter(account=account, state=stages.CONNECTED, campaign__active=True)
        .filter(claims.unclaimed(now))
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .filter(Q(next_message_at__isnull=True) | Q(next_message_at__lte=now))
        .filter(replied_at__isnull=True)
        .filter(~Exists(replied_anywhere))
        .order_by("next_message_at", "id")
    )


def enqueue(account, ds: DealState, step: SequenceStep | None, now: datetime, task_id: str) -> str:
    from openoutreach.celery import app

    expires = claim_until(now)
    number = ds.sequence_step + 1
    browser = app.signature(
        "browser.follow_up",
        kwargs={"account": account.handle, "deal_state_id": ds.pk, "step": number},
        expires=expires,
        task_id=task_id,
    )
    if settings.LLM_API_KEY and step is not None and step.kind == SequenceStep.Kind.LLM:
        draft = app.signature(
            "ml.draft_followup",
            kwargs={"deal_state_id": ds.pk, "step": number},
            expires=expires,
            immutable=True,
        )
        return chain(draft, browser).apply_async().id
    return browser.apply_async().id


def dispatch_account(account, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None
    if backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    for ds in due(account, now)[:CANDIDATES]:
        # The stop rules themselves, on the row the query chose (the query is their indexed copy).
        if automated_messages_stopped(ds) or not message_due(ds, now):
            continue
        interval = interval_seconds(
            account, ActionLog.Kind.FOLLOW_UP, settings.MIN_ACTION_INTERVAL_SECONDS, now, rng
        )
        if not take_slot(account, LANE, interval, now):
            return None
        task_id = new_task_id()
        if not claims.take_deal(ds, task_id, now, state=stages.CONNECTED, outward=True, account=account):
            return None  # another dispatcher took the deal or the person first; the slot is spent
        step, _total = sequences.next_step(ds)
        enqueue(account, ds, step, now, task_id)
        return {"account": account.handle, "deal_state": ds.pk, "step": ds.sequence_step + 1, "task": task_id}
    return None


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
