"""The connect lane: per account, claim the best-ranked New deal and send `browser.connect` for it.

For each runnable account: inside its working hours, under today's cap (daily AND weekly, warm-up
ramp) and the weekly-limit pause, when its connect slot is due: pick the campaigns of this tick, claim
the highest-scored New deal (oldest first when unscored) that nobody in the workspace has contacted or
is contacting (nor inside LinkedIn's three-week block after a withdrawal), take the slot, and enqueue
the invitation with an expiry equal to the claim.

The score is P(fit) x P(accept), written by the ML worker (openoutreach/ml/service.py write_scores):
people likely to fit AND to accept are invited first, so the weekly invitations go further.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, Campaign, DealState, Lane, LinkedInAccount, PersonClaim
from openoutreach.pipeline import claims, stages, withdrawal

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

LANE = Lane.CONNECT
CANDIDATES = 5


def candidates(
    account: LinkedInAccount, campaign: Campaign, now: datetime, limit: int = CANDIDATES
) -> list[DealState]:
    """New, unclaimed deals of the campaign whose person is not contacted (or being contacted) anywhere
    in the workspace, nor owned by another account: the best scores first, then unscored ones oldest
    first (the qualifier's cold start).

    Bounded: each half walks the (campaign, state, score, created_at) index in order and stops at
    `limit`; the two exclusions are correlated NOT EXISTS lookups on the (lead, state) index.
    """
    same_person = DealState.objects.filter(lead_id=OuterRef("lead_id"))
    busy = same_person.filter(~Q(state=stages.NEW) | claims.held(now))
    owned_elsewhere = same_person.filter(account__isnull=False).exclude(account=account)
    # The person's claim row, unless it is this very deal's (a SENDING deal resolving its own send).
    person_taken = PersonClaim.objects.filter(lead_id=OuterRef("lead_id")).exclude(
        deal_state_id=OuterRef("pk")
    )
    person_taken = person_taken.filter(Q(contacted_at__isnull=False) | Q(sending=True) | claims.held(now))
    eligible = (
        DealState.objects.filter(campaign=campaign, state=stages.NEW)
        .filter(claims.unclaimed(now))
        .filter(~Exists(busy), ~Exists(owned_elsewhere), ~Exists(person_taken))
        .filter(~withdrawal.blocked(now))  # LinkedIn's three-week block after a withdrawal
    )
    found = list(eligible.filter(score__isnull=False).order_by("-score")[:limit])
    if len(found) < limit:
        found += list(eligible.filter(score__isnull=True).order_by("created_at")[: limit - len(found)])
    return found


def claim(ds: DealState, account: LinkedInAccount, now: datetime, task_id: str) -> bool:
    """The deal and its person, for this task, in one transaction (the database decides races)."""
    return claims.take_deal(ds, task_id, now, state=stages.NEW, outward=True, account=account)


def dispatch_account(account: LinkedInAccount, now: datetime, rng: random.Random) -> dict | None:
    if not account.may_act(LANE, now)[0] or not slot_due(account, LANE, now):
        return None
    if backed_up(account, OUTWARD_QUEUE_LIMIT):
        return None
    for campaign in campaign_choice.choose(campaign_choice.active_campaigns(account), rng):
        for ds in candidates(account, campaign, now):
            interval = interval_seconds(
                account, ActionLog.Kind.CONNECT, settings.MIN_ACTION_INTERVAL_SECONDS, now, rng
            )
            if not take_slot(account, LANE, interval, now):
                return None  # another dispatcher took this account's slot first
            task_id = new_task_id()
            if not claim(ds, account, now, task_id):
                continue  # taken between the query and the claim; the slot is spent, pacing stays safe
            send("browser.connect", claim_until(now), task_id, account=account.handle, deal_state_id=ds.pk)
            return {
                "account": account.handle,
                "campaign": campaign.name,
                "deal_state": ds.pk,
                "task": task_id,
            }
    return None


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    return [sent for account in runnable_accounts(now) if (sent := dispatch_account(account, now, rng))]
