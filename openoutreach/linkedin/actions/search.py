"""People search (keyword, page) and discovery of member URLs on whatever page is open."""

from __future__ import annotations

from dataclasses import dataclass, field

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.dom import find, wait_for_any
from openoutreach.linkedin.errors import SearchLimitReached
from openoutreach.linkedin.urls import discover_profile_urls, search_people_url

RESULTS_TIMEOUT_S = 10.0
_HREFS_JS = "els => els.map(e => e.href)"


@dataclass
class SearchPage:
    keyword: str
    page: int
    urls: list[str]  # the result list, in LinkedIn's order
    discovered: list[str] = field(default_factory=list)  # every member linked anywhere on the page


def search_people(client: LinkedInClient, keyword: str, page: int = 1) -> SearchPage:
    """One page of people-search results as canonical profile URLs (never the account itself).

    An empty list means the keyword has no more results at this page. Raises SearchLimitReached when
    LinkedIn shows the monthly commercial-use limit instead of results.
    """
    url = search_people_url(client.base_url, keyword, page)
    own = client.own_public_id()
    client.open(url)
    session = client.session
    found = wait_for_any(
        session.page,
        {
            "limit": (session.page, S.SEARCH_LIMIT, {}),
            "results": (session.page, S.SEARCH_RESULT_LINK, {}),
            "empty": (session.page, S.SEARCH_NO_RESULTS, {}),
        },
        RESULTS_TIMEOUT_S,
    )
    if found == "limit":
        raise SearchLimitReached(_text_or(find(session.page, S.SEARCH_LIMIT), "monthly search limit reached"))
    session.human.read_page()
    results = _hrefs(client, S.SEARCH_RESULT_LINK)
    exclude = [own] if own else []
    return SearchPage(
        keyword=keyword,
        page=page,
        urls=discover_profile_urls(results, client.base_url, exclude),
        discovered=discover_on_page(client),
    )


def discover_on_page(client: LinkedInClient) -> list[str]:
    """Canonical, de-duplicated member URLs linked from the open page, without the account's own."""
    own = client.own_public_id()
    return discover_profile_urls(_hrefs(client, S.PROFILE_LINK), client.base_url, [own] if own else [])


def _hrefs(client: LinkedInClient, chain: S.Chain) -> list[str]:
    """Absolute hrefs of the first (CSS) rule of the chain that matches (the browser resolves them)."""
    page = client.session.page
    for rule in chain.rules:
        hrefs = page.locator(rule.value).evaluate_all(_HREFS_JS)
        if hrefs:
            return hrefs
    return []


def _text_or(locator, default: str) -> str:
    if locator is None:
        return default
    return " ".join(locator.inner_text().split())[:200] or default
