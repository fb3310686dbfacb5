"""The qualify lane: hand enriched, unlabelled leads of each active campaign to the ML worker.

The ML worker holds a per-campaign lock, so a tick that arrives while a batch still runs is harmless.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.utils import timezone

from openoutreach.outreach.models import Campaign, LinkedInProfile

from .common import send

BATCH = 20


def has_work(campaign: Campaign) -> bool:
    return (
        LinkedInProfile.objects.filter(enriched_at__isnull=False, unavailable_reason="")
        .exclude(lead__qualifications__campaign=campaign)
        .exists()
    )


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now = now or timezone.now()
    sent = []
    for campaign in Campaign.objects.filter(active=True).order_by("id"):
        if has_work(campaign):
            sent.append(
                {"campaign": campaign.pk, "task": send("ml.qualify", campaign_id=campaign.pk, batch=BATCH)}
            )
    return sent
