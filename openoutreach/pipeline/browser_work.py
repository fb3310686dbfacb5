"""The units of work a browser worker does for its account, between the CRM and the LinkedIn layer.

Each function takes the account's `LinkedInClient` and CRM ids, does the browser part through
`openoutreach.linkedin.actions`, and persists the outcome. Expected failures (a profile gone, a throttle,
a search limit) are recorded and end the unit cleanly; checkpoints and wrong passwords propagate to the
task, which pauses the account.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from openoutreach.linkedin.actions.profile import scrape_profile
from openoutreach.linkedin.actions.search import search_people
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import InvalidProfileUrl, ProfileUnavailable, SearchLimitReached, Throttled
from openoutreach.linkedin.urls import public_id_from_url
from openoutreach.outreach.models import (
    ActionLog,
    Lane,
    LanePauseReason,
    LinkedInAccount,
    LinkedInProfile,
    SearchKeyword,
)

from . import claims, leads

log = logging.getLogger(__name__)


@dataclass
class EnrichReport:
    enriched: list[int] = field(default_factory=list)
    unavailable: list[int] = field(default_factory=list)
    discovered: int = 0
    throttled_for: float | None = None
    not_viewed: list[int] = field(default_factory=list)
    why_not: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _discover(urls: list[str], client: LinkedInClient, account: LinkedInAccount) -> int:
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
    profiles = LinkedInProfile.objects.select_related("lead").filter(
        lead_id__in=lead_ids, enriched_at__isnull=True
    )
    for profile in profiles:
        allowed, why = account.may_act(Lane.ENRICH)
        if not allowed:
            report.not_viewed.append(profile.lead_id)
            report.why_not = why
            continue
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
        report.discovered += _discover(result.discovered, client, account)
    claims.release_profiles(lead_ids)
    return report


@dataclass
class SearchReport:
    keyword: str
    page: int
    results: int = 0
    new_people: int = 0
    limit_reached: bool = False


def search(
    client: LinkedInClient, account: LinkedInAccount, keyword_id: int, page: int = 1, task_id: str = ""
) -> SearchReport:
    """One page of people search for a campaign keyword; every member seen becomes a discovered Lead.

    The keyword is marked used only when its search succeeded (a limit or a crash leaves it for later).
    """
    keyword = SearchKeyword.objects.select_related("campaign").get(pk=keyword_id)
    report = SearchReport(keyword.keyword, page)
    try:
        result = search_people(client, keyword.keyword, page)
    except SearchLimitReached as exc:
        report.limit_reached = True
        ActionLog.objects.create(
            account=account, campaign=keyword.campaign, kind=ActionLog.Kind.SEARCH, outcome=ActionLog.Outcome.LIMIT,
            detail=str(exc), task_id=task_id,
        )  # fmt: skip
        return report
    report.results = len(result.urls)
    report.new_people = _discover(list(dict.fromkeys(result.urls + result.discovered)), client, account)
    SearchKeyword.objects.filter(pk=keyword.pk).update(
        used=True,
        used_at=timezone.now(),
        pages_searched=max(keyword.pages_searched, page),
        profiles_found=keyword.profiles_found + report.new_people,
    )
    ActionLog.objects.create(
        account=account, campaign=keyword.campaign, kind=ActionLog.Kind.SEARCH, outcome=ActionLog.Outcome.OK,
        detail=f"{keyword.keyword!r} page {page}: {report.results} results, {report.new_people} new", task_id=task_id,
    )  # fmt: skip
    return report
