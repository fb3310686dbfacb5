"""Profile URLs collapse to one canonical form; bad ones get a clear error; discovery dedups and skips self."""

from __future__ import annotations

import pytest

from openoutreach.linkedin.errors import InvalidProfileUrl
from openoutreach.linkedin.urls import (
    canonical_profile_url,
    discover_profile_urls,
    public_id_from_url,
    search_people_url,
)

BASE = "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe-42",
        "https://www.linkedin.com/in/jane-doe-42/?miniProfileUrn=urn%3Ali%3Afs#top",
        "https://uk.linkedin.com/in/jane-doe-42/details/experience/",
        "http://127.0.0.1:8000/in/jane-doe-42/overlay/contact-info/",
        "/in/jane-doe-42",
        "  /in/jane-doe-42/  ",
    ],
)
def test_spellings_of_one_member_collapse_to_one_url(url):
    assert canonical_profile_url(url, BASE) == "http://127.0.0.1:8000/in/jane-doe-42/"


def test_the_id_is_percent_decoded():
    assert (
        canonical_profile_url("https://www.linkedin.com/in/j%C3%B6rg-m%C3%BCller/", BASE)
        == f"{BASE}/in/jörg-müller/"
    )
    assert public_id_from_url("/in/j%C3%B6rg/") == "jörg"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "empty"),
        ("https://example.com/in/jane/", "not a LinkedIn host"),
        ("https://www.linkedin.com/company/acme/", "path must start with /in/"),
        ("https://www.linkedin.com/in/", "path must start with /in/"),
        ("https://www.linkedin.com/in/me/", "no member id"),
        ("ftp://www.linkedin.com/in/jane/", "scheme"),
        ("jane-doe", "neither an absolute URL"),
        ("https://www.linkedin.com/in/a%20b/", "malformed member id"),
        ("https://www.linkedin.com/in/a%2Fb/", "malformed member id"),
    ],
)
def test_bad_urls_are_rejected_with_the_reason(url, why):
    with pytest.raises(InvalidProfileUrl, match=why):
        canonical_profile_url(url, BASE)


def test_discovery_dedups_keeps_order_and_never_returns_the_own_profile():
    hrefs = [
        f"{BASE}/in/bob/",
        None,
        f"{BASE}/feed/",
        f"{BASE}/in/alice-me/",
        f"{BASE}/in/carol/?trk=people-also-viewed",
        f"{BASE}/in/bob/recent-activity/",
        "https://www.linkedin.com/in/dave",
        f"{BASE}/in/ALICE-ME/",
        "javascript:void(0)",
        f"{BASE}/company/acme/",
    ]
    assert discover_profile_urls(hrefs, BASE, exclude_public_ids=["alice-me"]) == [
        f"{BASE}/in/bob/",
        f"{BASE}/in/carol/",
        f"{BASE}/in/dave/",
    ]


def test_search_url_encodes_the_keyword_and_page():
    assert search_people_url(BASE + "/", "data & ml leads", 3) == (
        f"{BASE}/search/results/people/?keywords=data+%26+ml+leads&origin=GLOBAL_SEARCH_HEADER&page=3"
    )
    with pytest.raises(ValueError, match="empty"):
        search_people_url(BASE, "  ")
    with pytest.raises(ValueError, match=">= 1"):
        search_people_url(BASE, "x", 0)
