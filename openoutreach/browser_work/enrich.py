"""browser.enrich's unit of work: fetch discovered leads' Voyager profiles and write them to the CRM.

The account's right to act (hours, today's view cap, pauses) is re-checked before every profile view; a
throttle (429/999) pauses the enrich lane and ends the unit. Right before each fetch the task renews
its claim on the profile (pipeline.claims): one another task holds now, or one already enriched or found
unavailable, is skipped; at the end it gives back only the claims it still holds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from openoutreach.linkedin.actions.profile import scrape_profile
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import InvalidProfileUrl, ProfileUnavailable, Throttled
from openoutreach.linkedin.urls import public_id_from_url
from openoutreach.outreach.models import ActionLog, Lane, LanePauseReason, LinkedInAccount, LinkedInProfile
from openoutreach.pipeline import claims, leads

log = logging.getLogger(__name__)


@dataclass
class EnrichReport:
    enriched: list[int] = field(default_factory=list)
    unavailable: list[int] = field(default_factory=list)
    discovered: int = 0
    throttled_for: float | None = None
    not_viewed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # held by another task, or enriched meanwhile
    why_not: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def discover(urls: list[str], client: LinkedInClient, account: LinkedInAccount) -> int:
    """Every member URL seen on a page becomes a discovered lead (the count of new ones)."""
    found = {}
    for url in urls:
        try:
            found[url] = public_id_from_url(url, client.base_url)
        except InvalidProfileUrl:
            continue  # the layer returns canonical URLs; a stray one is not worth failing a unit
    return leads.discover_many(found, account)


def enrich(
    client: LinkedInClient, account: LinkedInAccount, lead_ids: list[int], task_id: str = ""
) -> EnrichReport:
    """Fetch each lead's Voyager profile and write it to the CRM; stop at the first throttle, and stop
    as soon as the account may no longer act (re-checked before every profile view: hours, cap, pauses)."""
    report = EnrichReport()
    try:
        _enrich(client, account, lead_ids, task_id, report)
    finally:  # however the unit ends, the profiles it still holds go back (only its own)
        claims.release_profiles(lead_ids, task_id)
    return report


def _enrich(
    client: LinkedInClient, account: LinkedInAccount, lead_ids: list[int], task_id: str, report: EnrichReport
) -> None:
    for lead_id in lead_ids:
        # Right before the fetch: this task still holds the profile (its claim may have run out before
        # it started, and another task taken it) and nobody enriched it meanwhile.
        if not claims.renew_profile(lead_id, task_id):
            report.skipped.append(lead_id)
            continue
        allowed, why = account.may_act(Lane.ENRICH)
        if not allowed:
            report.not_viewed.append(lead_id)
            report.why_not = why
            continue
        profile = LinkedInProfile.objects.select_related("lead").get(lead_id=lead_id)
        try:
            result = scrape_profile(client, profile.url)
        except ProfileUnavailable as exc:
            leads.mark_unavailable(profile.lead, str(exc), account, task_id)
            report.unavailable.append(profile.lead_id)
            continue
        except Throttled as exc:
            until = timezone.now() + timedelta(seconds=max(exc.retry_after, 60))
            account.pause_lane(Lane.ENRICH, LanePauseReason.THROTTLED, str(exc), until=until)
            ActionLog.objects.create(
                account=account, kind=ActionLog.Kind.ENRICH, outcome=ActionLog.Outcome.LIMIT, lead=profile.lead,
                detail=f"{exc}; enrichment paused until {until:%Y-%m-%d %H:%M} UTC", task_id=task_id,
            )  # fmt: skip
            report.throttled_for = exc.retry_after
            break
        leads.save_enrichment(
            profile.lead, result.profile, json.dumps(result.raw).encode(), account, task_id,
            voyager_path=client.voyager.path,  # the path that served this fetch (a move happens before it)
        )  # fmt: skip
        report.enriched.append(profile.lead_id)
        report.discovered += discover(result.discovered, client, account)
