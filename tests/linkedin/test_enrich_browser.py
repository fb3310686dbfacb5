"""Enrichment of sandbox people through Voyager from the logged-in page, checked against ground truth,
plus the status rules: private/unknown -> ProfileUnavailable, 429/999 -> Throttled, 5xx -> bounded retries."""

from __future__ import annotations

import pytest

from openoutreach.linkedin.actions import scrape_profile
from openoutreach.linkedin.errors import ProfileUnavailable, Throttled, VoyagerError

pytestmark = pytest.mark.browser

DEGREES = {"connected": 1, "DISTANCE_2": 2, "DISTANCE_3": 3, "OUT_OF_NETWORK": None}


def people(sandbox, **quirks) -> list[dict]:
    """Public, non-account sandbox people whose Voyager quirks match."""
    return [
        p
        for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and all(p["voyager"][k] == v for k, v in quirks.items())
    ]


def test_enrichment_matches_the_ground_truth_across_response_variants(alice, sandbox):
    picked = {}
    for quirk in [
        {"geo_style": "geoLocation.*geo"},
        {"geo_style": "geoLocation.geoUrn"},
        {"geo_style": "*geo"},
        {"upper_country": True},
        {"null_location_name": True},
        {"legacy_relationship": True},
        {"no_recipes": True},
        {"missing_company": True},
        {"relationship": "missing"},
        {"relationship": "dangling"},
    ]:
        person = people(sandbox, graphql=False, **quirk)[0]  # REST-shaped (GraphQL: test_voyager_graphql_*)
        picked[person["public_id"]] = person
    assert len(picked) >= 8

    for public_id, truth in picked.items():
        result = scrape_profile(alice, f"{alice.base_url}/in/{public_id}/?trk=test", visit=False)
        p = result.profile
        q = truth["voyager"]

        assert result.url == f"{alice.base_url}/in/{public_id}/"
        assert p.urn == truth["urn"] and p.public_identifier == public_id
        assert (p.first_name, p.last_name, p.full_name) == (
            truth["first_name"],
            truth["last_name"],
            truth["full_name"],
        )
        assert p.headline == truth["headline"]
        assert p.country_code == truth["country"]  # lower-case even when served upper-case
        if q["null_location_name"]:
            assert p.location_name == truth["location"]  # the Geo's localized name
        else:
            assert p.location_name and p.location_name.split(",")[0] == truth["location"].split(",")[0]
        assert p.industry == truth["company"]["industry"]
        assert p.positions, public_id
        current = p.positions[0]
        assert current.company_name.startswith(truth["company"]["name"])
        if not q["missing_company"]:
            assert current.company_name == truth["company"]["name"]  # the clean Company name wins
        assert all(e.school_name for e in p.educations)
        if q["relationship"] == "present":
            assert p.connection_degree == DEGREES[truth["relations"]["alice"]]
        else:
            assert p.connection_degree is None and "connection_degree" in p.missing
        assert result.raw["included"], "the raw response is kept as evidence"


def test_a_profile_visit_discovers_the_people_linked_from_the_page(alice, sandbox):
    truth = people(sandbox)[3]

    result = scrape_profile(alice, f"/in/{truth['public_id']}/")

    assert result.profile.full_name == truth["full_name"]
    assert len(result.discovered) >= 3  # sidebars: "More profiles for you", "People also viewed"
    assert all(u.startswith(f"{alice.base_url}/in/") and u.endswith("/") for u in result.discovered)
    assert f"{alice.base_url}/in/alice-anders-sandbox/" not in result.discovered  # the nav's "Me" link
    assert result.url not in result.discovered
    assert len(set(result.discovered)) == len(result.discovered)


def test_private_and_unknown_profiles_are_unavailable(alice, sandbox):
    private = next(p for p in sandbox.control.people(limit=500) if p["private"])

    with pytest.raises(ProfileUnavailable) as caught:
        scrape_profile(alice, f"/in/{private['public_id']}/")
    assert caught.value.status == 403
    with pytest.raises(ProfileUnavailable):
        scrape_profile(alice, "/in/nobody-by-this-name-0000/")


@pytest.mark.parametrize("status", [429, 999])
def test_throttling_raises_throttled_with_a_back_off_hint(alice, sandbox, status):
    alice.ensure_logged_in()
    alice.open("/feed/")
    sandbox.control.set_faults(account="alice", **{f"voyager_{status}_rate": 1.0})

    with pytest.raises(Throttled) as caught:
        scrape_profile(alice, f"/in/{people(sandbox)[0]['public_id']}/", visit=False)

    assert caught.value.status == status
    assert caught.value.retry_after >= 60
    calls = [e for e in sandbox.control.request_log("alice") if e["path"].startswith("/voyager/api/identity")]
    assert [e["status"] for e in calls] == [status]  # no hammering after a throttle


def test_server_errors_are_retried_a_bounded_number_of_times(alice, sandbox):
    alice.ensure_logged_in()
    alice.open("/feed/")
    sandbox.control.set_faults(account="alice", voyager_500_rate=1.0)

    with pytest.raises(VoyagerError) as caught:
        scrape_profile(alice, f"/in/{people(sandbox)[0]['public_id']}/", visit=False)

    assert caught.value.status == 500
    calls = [e for e in sandbox.control.request_log("alice") if e["path"].startswith("/voyager/api/identity")]
    assert len(calls) == 1 + alice.voyager.max_retries


def test_a_transient_error_then_success_returns_the_profile(alice, sandbox):
    alice.ensure_logged_in()
    alice.open("/feed/")
    sandbox.control.set_faults(account="alice", voyager_500_rate=0.5)

    fetched = [scrape_profile(alice, f"/in/{p['public_id']}/", visit=False) for p in people(sandbox)[:6]]

    assert all(r.profile.found for r in fetched)
    statuses = [
        e["status"]
        for e in sandbox.control.request_log("alice")
        if e["path"].startswith("/voyager/api/identity")
    ]
    assert 500 in statuses and statuses.count(200) == 6
