"""People search in real Chromium against the sandbox: paging, canonical de-duplicated URLs, discovery on
the page, the monthly search limit, and non-ASCII public ids that survive the round trip."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from openoutreach.linkedin.actions import discover_on_page, scrape_profile, search_people
from openoutreach.linkedin.errors import SearchLimitReached

pytestmark = pytest.mark.browser


def test_search_pages_until_the_results_run_out(alice, sandbox):
    pages = []
    for number in range(1, 30):
        page = search_people(alice, "engineer", number)
        pages.append(page)
        if not page.urls:
            break

    everyone = [u for p in pages for u in p.urls]
    assert len(pages) >= 3, "the keyword should span several pages"
    assert all(len(p.urls) == 10 for p in pages[:-2]) and pages[-1].urls == []
    assert len(set(everyone)) == len(everyone), "a person appears on one page only"
    assert all(u.startswith(f"{alice.base_url}/in/") and u.endswith("/") and "?" not in u for u in everyone)
    assert f"{alice.base_url}/in/alice-anders-sandbox/" not in everyone
    for p in pages:
        assert set(p.urls) <= set(p.discovered)
        assert f"{alice.base_url}/in/alice-anders-sandbox/" not in p.discovered  # the nav's "Me" link


def test_results_are_the_people_linked_and_their_profiles_open(alice, sandbox):
    page = search_people(alice, "engineer", 1)
    gt = {p["public_id"]: p for p in sandbox.control.people(limit=500)}

    ids = [u.removeprefix(f"{alice.base_url}/in/").rstrip("/") for u in page.urls]
    assert all(i in gt for i in ids)
    first = scrape_profile(alice, page.urls[0])
    assert first.profile.full_name == gt[ids[0]]["full_name"]


def test_non_ascii_public_ids_round_trip(alice, sandbox):
    odd = next(
        p for p in sandbox.control.people(limit=500) if not p["public_id"].isascii() and not p["private"]
    )

    wanted = f"{alice.base_url}/in/{odd['public_id']}/"  # percent-decoded, as in the ground truth
    found = []
    for number in range(1, 11):  # names are not searchable: find them through their headline
        found += search_people(alice, odd["headline"], number).urls
        if wanted in found:
            break

    assert wanted in found
    scraped = scrape_profile(alice, f"{alice.base_url}/in/{odd['public_id']}/")
    assert scraped.profile.public_identifier == odd["public_id"]


def test_the_monthly_search_limit_is_a_named_stop(alice, sandbox):
    sandbox.control.set_faults(account="alice", search_limit=True)

    with pytest.raises(SearchLimitReached, match="monthly limit"):
        search_people(alice, "engineer", 1)


def test_discovery_on_the_feed(alice, sandbox):
    alice.open("/feed/")

    found = discover_on_page(alice)

    assert found and all(u.startswith(f"{alice.base_url}/in/") for u in found)
    assert f"{alice.base_url}/in/alice-anders-sandbox/" not in found  # the identity card links the account


def test_search_keeps_working_while_voyager_is_throttled(sandbox, tmp_path):
    """A fresh client cannot ask Voyager who it is: the nav's Me link still keeps the account out."""

    def run():
        from openoutreach.linkedin.client import LinkedInClient
        from openoutreach.linkedin.login import Credentials
        from openoutreach.linkedin.session import BrowserSession, SessionConfig

        config = SessionConfig(sandbox.base_url, tmp_path / "carol.json", speed=0, timeout_ms=15_000)
        carol = LinkedInClient(BrowserSession(config), Credentials("carol@sandbox.test", "carol-pass"))
        try:
            carol.ensure_logged_in()
            sandbox.control.set_faults(account="carol", voyager_429_rate=1.0)
            return carol.own_public_id(), search_people(carol, "engineer", 1)
        finally:
            carol.close()

    with ThreadPoolExecutor(1) as pool:  # a second account's browser gets its own thread
        own, page = pool.submit(run).result(timeout=120)

    assert own == "carol-castillo-sandbox"
    assert len(page.urls) == 10
    assert f"{sandbox.base_url}/in/carol-castillo-sandbox/" not in page.discovered


def test_a_blank_keyword_is_refused(alice, sandbox):
    with pytest.raises(ValueError, match="empty"):
        search_people(alice, "   ")
