"""The search lane (gap filler): when a campaign has too few leads awaiting qualification, search.

Per campaign whose pipeline is low (fewer than `min_qualifiable_leads` enriched-or-discovered people
without a label for it): keep paging a keyword that keeps yielding new people, else pop an unused
keyword; when none is left, ask the ML worker for more (excluding the used ones). The keyword is marked
used by the browser task only when its search succeeded. One of the campaign's accounts searches, on
its own slot.

A page is claimed on its keyword (pipeline.claims) before it is sent, and a campaign with a page in
flight gets no other search until that task ends: the next page depends on what this one found, and
neither another tick of this account's slot nor another account's may fetch the same page again (a
make demo run fetched page 1 twice, its slot due again while the first fetch still ran). A page whose
task failed is released by it and chosen again; a task that died leaves its claim to expire.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openoutreach.outreach.models import Campaign, Lane, LinkedInProfile, SearchKeyword
from openoutreach.pipeline import claims

from . import campaigns as campaign_choice
from .common import (
    GAP_FILLER_QUEUE_LIMIT,
    backed_up,
    claim_until,
    new_task_id,
    runnable_accounts,
    send,
    slot_due,
    take_slot,
)

LANE = Lane.SEARCH
PRODUCTIVE_NEW_PER_PAGE = 3  # page deeper while a keyword brings at least this many new people a page


def awaiting_qualification(campaign: Campaign, limit: int) -> int:
    """How many people await a label for this campaign, counted up to `limit` (bounded query)."""
    qs = LinkedInProfile.objects.filter(unavailable_reason="").exclude(
        lead__qualifications__campaign=campaign
    )
    return len(qs.values_list("pk", flat=True)[:limit])


def next_search(campaign: Campaign) -> tuple[SearchKeyword, int] | None:
    """(keyword, page): a productive keyword's next page first, else the oldest unused keyword."""
    for keyword in SearchKeyword.objects.filter(
        campaign=campaign, used=True, pages_searched__lt=settings.SEARCH_MAX_PAGES
    ).order_by("used_at"):
        if keyword.profiles_found >= PRODUCTIVE_NEW_PER_PAGE * keyword.pages_searched:
            return keyword, keyword.pages_searched + 1
    unused = SearchKeyword.objects.filter(campaign=campaign, used=False).order_by("created_at", "id").first()
    return (unused, 1) if unused else None


def _ask_for_keywords(campaign: Campaign) -> str | None:
    """At most one keyword request per campaign per hour (a lossy Redis marker is enough here)."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    if not client.set(f"openoutreach:keywords-asked:{campaign.pk}", "1", nx=True, ex=3600):
        return None
    return send("ml.generate_keywords", campaign_id=campaign.pk)


def dispatch(now: datetime | None = None, rng: random.Random | None = None) -> list[dict]:
    now, rng = now or timezone.now(), rng or random.Random()
    sent = []
    accounts = [
        a
        for a in runnable_accounts(now)
        if a.may_act(LANE, now)[0] and slot_due(a, LANE, now) and not backed_up(a, GAP_FILLER_QUEUE_LIMIT)
    ]
    busy: set[int] = set()
    for campaign in Campaign.objects.filter(active=True).select_related("department").order_by("id"):
        if awaiting_qualification(campaign, campaign.min_qualifiable_leads) >= campaign.min_qualifiable_leads:
            continue
        if claims.search_in_flight(campaign.pk, now):
            continue  # its next page is unknown until the page in flight is in
        choice = next_search(campaign)
        if choice is None:
            if task := _ask_for_keywords(campaign):
                sent.append({"campaign": campaign.name, "asked_for_keywords": task})
            continue
        keyword, page = choice
        for account in accounts:
            if account.pk in busy or campaign not in campaign_choice.active_campaigns(account):
                continue
            pace = settings.SEARCH_MIN_INTERVAL_SECONDS * rng.uniform(0.8, 1.2) / settings.TIME_SCALE
            task_id = new_task_id()
            if not claims.take_keyword(keyword.pk, task_id, now):
                break  # another dispatcher sent this page a moment ago
            if take_slot(account, LANE, pace, now):
                busy.add(account.pk)
                task = send(
                    "browser.search",
                    claim_until(now),
                    task_id,
                    account=account.handle,
                    keyword_id=keyword.pk,
                    page=page,
                )
                sent.append(
                    {
                        "campaign": campaign.name,
                        "account": account.handle,
                        "keyword": keyword.keyword,
                        "page": page,
                        "task": task,
                    }
                )
                break
            claims.release_keyword(keyword.pk, task_id)  # this account's slot went to another dispatcher
    return sent
