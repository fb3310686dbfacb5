"""browser.search's unit of work: one page of people search for a campaign keyword."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from openoutreach.linkedin.actions.search import search_people
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import SearchLimitReached
from openoutreach.outreach.models import ActionLog, LinkedInAccount, SearchKeyword
from openoutreach.pipeline import claims

from .enrich import discover


@dataclass
class SearchReport:
    keyword: str
    page: int
    results: int = 0
    new_people: int = 0
    limit_reached: bool = False
    skipped: str = ""  # why nothing was fetched (another task holds the page, or it was fetched already)


def search(
    client: LinkedInClient, account: LinkedInAccount, keyword_id: int, page: int = 1, task_id: str = ""
) -> SearchReport:
    """One page of people search for a campaign keyword; every member seen becomes a discovered Lead.

    The keyword is marked used only when its search succeeded (a limit or a crash leaves it for later).
    The task holds the keyword's claim while it fetches (a page is fetched once: another task holding it,
    or a page already searched, means no fetch) and gives it back however it ends.
    """
    if not claims.renew_keyword(keyword_id, task_id):
        keyword = SearchKeyword.objects.get(pk=keyword_id)
        return SearchReport(keyword.keyword, page, skipped="another task holds this keyword's page")
    try:
        return _search(client, account, keyword_id, page, task_id)
    finally:
        claims.release_keyword(keyword_id, task_id)


def _search(
    client: LinkedInClient, account: LinkedInAccount, keyword_id: int, page: int, task_id: str
) -> SearchReport:
    keyword = SearchKeyword.objects.select_related("campaign").get(pk=keyword_id)
    report = SearchReport(keyword.keyword, page)
    if keyword.pages_searched >= page:
        report.skipped = f"page {page} was searched already"
        return report
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
    report.new_people = discover(list(dict.fromkeys(result.urls + result.discovered)), client, account)
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
