"""Work claims with expiry: a deal being connected, a profile being enriched.

A claim is a timestamp column set with a conditional UPDATE (if 0 rows changed, someone else holds it).
A holder that dies leaves the claim to expire; housekeeping clears expired claims so the work becomes
claimable again. Nothing here lives in Redis, so a flushed broker loses no claim.
"""

from __future__ import annotations

from django.utils import timezone

from openoutreach.outreach.models import DealState, LinkedInProfile


def release_expired(now=None) -> dict[str, int]:
    now = now or timezone.now()
    deals = DealState.objects.filter(claimed_until__lt=now).update(claimed_until=None, claim_task_id="")
    profiles = LinkedInProfile.objects.filter(enrich_claimed_until__lt=now).update(enrich_claimed_until=None)
    return {"deals": deals, "profiles": profiles}
