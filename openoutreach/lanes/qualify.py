"""The qualify lane: hand enriched, unlabelled leads of each active campaign to the ML worker, and
promote the operator's own picks (`load_profiles --campaign`) once they are enriched.

The ML worker holds a per-campaign lock, so a tick that arrives while a batch still runs is harmless.
A gap filler on the ML worker's one queue: no new run is sent while one already waits there, so a
follow-up draft (`ml.draft_followup`) never queues behind a line of qualify runs (measured in
`make demo ACCOUNTS=3`: three accounts enriching kept a 30 s run waiting per tick, and the first
follow-up's draft waited minutes).
"""

from __future__ import annotations

import random
from datetime import datetime

from django.utils import timezone

from openoutreach.outreach.models import Campaign, LinkedInProfile, Qualification
from openoutreach.pipeline import transitions

from .common import send, waiting_in

BATCH = 20
ML_QUEUE_LIMIT = 1  # qualify runs waiting in the ML queue before the lane holds back


def has_work(campaign: Campaign) -> bool:
    return (
        LinkedInProfile.objects.filter(enriched_at__isnull=False, unavailable_reason="")
        .exclude(lead__qualifications__campaign=campaign)
        .exists()
    )


def promote_operator_picks(campaign: Campaign, limit: int = BATCH) -> int:
    """Leads the operator labelled as fitting this campaign get their Deal once their profile is in."""
    picks = (
        Qualification.objects.filter(campaign=campaign, label=1, source=Qualification.Source.OPERATOR)
        .filter(lead__linkedin__enriched_at__isnull=False)
        .exclude(lead__deal_states__campaign=campaign)
        .select_related("lead")[:limit]
    )
    return sum(1 for pick in picks if transitions.promote(pick.lead, campaign))


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    from workers.queues import ML

    now = now or timezone.now()
    sent = []
    for campaign in Campaign.objects.filter(active=True).order_by("id"):
        if promoted := promote_operator_picks(campaign):
            sent.append({"campaign": campaign.pk, "operator_picks_promoted": promoted})
        if waiting_in(ML) >= ML_QUEUE_LIMIT:
            continue  # the ML worker has work waiting: this campaign's run comes at a later tick
        if has_work(campaign):
            sent.append(
                {"campaign": campaign.pk, "task": send("ml.qualify", campaign_id=campaign.pk, batch=BATCH)}
            )
    return sent
