"""The enrich lane (gap filler): discovered leads get their Voyager profile, a small batch per account
slot, spaced by at least ENRICH_MIN_INTERVAL_SECONDS per profile and capped per account per day.
An account whose Voyager calls were throttled (429/999) waits until its enrichment pause ends.

Each profile is claimed for the task's id (drawn before the claim, pipeline.claims) before it is sent:
the task renews that claim right before each fetch and gives back only its own, so a profile is never
fetched by two accounts, even when a task starts late and its claims ran out meanwhile."""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, Lane, LinkedInProfile
from openoutreach.pipeline import claims
from openoutreach.safety import caps

from .common import (
    GAP_FILLER_QUEUE_LIMIT,
    backed_up,
    claim_until,
    interval_seconds,
    new_task_id,
    runnable_accounts,
    send,
    slot_due,
    take_slot,
)

LANE = Lane.ENRICH


def waiting(account, now: datetime, limit: int) -> list[int]:
    """Lead ids of profiles never enriched nor found unavailable, unclaimed: the account's own
    discoveries first, then anyone's, oldest first. Each half is a bounded walk of an index."""
    free = (
        LinkedInProfile.objects.filter(enriched_at__isnull=True, unavailable_reason="")
        .filter(claims.unclaimed(now, "enrich_claimed_until"))
        .order_by("discovered_at")
    )
    ids = list(free.filter(discovered_by=account).values_list("lead_id", flat=True)[:limit])
    if len(ids) < limit:
        ids += [i for i in free.values_list("lead_id", flat=True)[: limit * 2] if i not in ids][
            : limit - len(ids)
        ]
    return ids


def dispatch_account(account, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None  # paused (a throttle pauses the lane), outside hours, or today's cap is spent
    if backed_up(account, GAP_FILLER_QUEUE_LIMIT):
        return None  # a gap filler: only when the browser has nothing else waiting
    batch = min(settings.ENRICH_BATCH, caps.usage(account, ActionLog.Kind.ENRICH, now).remaining)
    if batch <= 0:
        return None
    lead_ids = waiting(account, now, batch)
    if not lead_ids:
        return None
    per_profile = interval_seconds(
        account, ActionLog.Kind.ENRICH, settings.ENRICH_MIN_INTERVAL_SECONDS, now, rng
    )
    if not take_slot(account, LANE, per_profile * len(lead_ids), now):
        return None
    task_id = new_task_id()
    claimed = claims.take_profiles(lead_ids, task_id, now)
    if not claimed:
        return None
    send("browser.enrich", claim_until(now), task_id, account=account.handle, lead_ids=claimed)
    return {"account": account.handle, "lead_ids": claimed, "task": task_id}


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
