"""The compliance check the lanes call before every invitation and message: the workspace do-not-contact
list, and the campaign's opt-in jurisdiction filter (country code first, location text as fallback,
unknown location refused)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from openoutreach.outreach.models import DoNotContact
from openoutreach.pipeline.leads import discover
from openoutreach.safety import compliance
from openoutreach.safety.jurisdictions import is_opt_in_code, opt_in_country_in_text

BASE = "https://www.linkedin.com"


def person(public_id: str, *, country: str | None = "us", location: str | None = "Austin, Texas, United States",
           full_name: str = "Jane Doe", company: str = "Acme Analytics", past_company: str = "Globex"):  # fmt: skip
    """A discovered and enriched lead, as the browser worker leaves it."""
    lead = discover(f"{BASE}/in/{public_id}/", public_id).lead
    first, last = full_name.split(" ", 1)
    lead.first_name, lead.last_name, lead.company_name = first, last, company
    lead.description = json.dumps(
        {
            "public_identifier": public_id, "full_name": full_name, "location_name": location,
            "country_code": country,
            "positions": [
                {"company_name": company, "date_range": {"start": {"year": 2021}}},
                {"company_name": past_company, "date_range": {"start": {"year": 2015}, "end": {"year": 2020}}},
            ],
        }
    )  # fmt: skip
    lead.save()
    return lead


@pytest.fixture
def strict(workspace):
    """A second campaign of the workspace that excludes opt-in jurisdictions."""
    from openoutreach.pipeline.campaigns import create_campaign

    return create_campaign("eu-safe", "A product.", "Buyers.", exclude_opt_in_jurisdictions=True)


def test_people_outside_every_rule_may_be_contacted(campaign, strict):
    lead = person("jane-doe")
    assert compliance.check(lead, campaign) == compliance.Verdict(True)
    assert compliance.check(lead, strict).allowed


@pytest.mark.parametrize(
    "value, public_id",
    [
        ("https://www.linkedin.com/in/jane-doe/", "jane-doe"),
        ("https://uk.linkedin.com/in/Jane-Doe?trk=x", "jane-doe"),
        ("jane-doe", "jane-doe"),
    ],
)
def test_a_listed_profile_is_never_contacted(campaign, value, public_id):
    lead = person(public_id)
    DoNotContact.objects.create(kind="profile", value=value, reason="asked us to stop")

    verdict = compliance.check(lead, campaign)

    assert not verdict.allowed and verdict.rule == compliance.DO_NOT_CONTACT
    assert "asked us to stop" in verdict.reason


def test_a_listed_name_matches_across_case_and_accents(campaign):
    lead = person("jose-garcia", full_name="José García")
    DoNotContact.objects.create(kind="name", value="  jose  GARCIA ")
    assert compliance.check(lead, campaign).rule == compliance.DO_NOT_CONTACT
    assert compliance.check(person("jose-other", full_name="José Gómez"), campaign).allowed


def test_a_listed_company_matches_current_positions_not_past_ones(campaign):
    DoNotContact.objects.create(kind="company", value="ACME Analytics, Inc.")
    assert compliance.check(person("a-current"), campaign).rule == compliance.DO_NOT_CONTACT

    DoNotContact.objects.create(kind="company", value="Globex")
    assert compliance.check(person("a-former", company="Initech"), campaign).allowed


def test_entries_that_cannot_match_anyone_are_refused_with_a_reason(workspace):
    for kind, value, reason in [
        ("profile", "https://example.com/in/x/", "not a LinkedIn profile URL"),
        ("name", "Jane", "full name"),
        ("company", "GmbH", "only a legal form"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            DoNotContact(kind=kind, value=value).full_clean()


@pytest.mark.parametrize(
    "code", ["de", "FR", "gb", "uk", "ch", "ca", "br", "au", "jp", "kr", "nz", "no", "is", "re"]
)
def test_opt_in_countries_are_excluded_by_code(campaign, strict, code):
    lead = person(f"p-{code.lower()}", country=code, location=None)
    verdict = compliance.check(lead, strict)
    assert not verdict.allowed and verdict.rule == compliance.OPT_IN_JURISDICTION
    assert code.upper() in verdict.reason
    assert compliance.check(lead, campaign).allowed, "only campaigns that ask for it exclude them"


@pytest.mark.parametrize("code", ["us", "in", "sg", "mx", "za", "ae"])
def test_other_countries_are_allowed(strict, code):
    assert compliance.check(person(f"p-{code}", country=code, location="Somewhere, Germany"), strict).allowed


@pytest.mark.parametrize(
    "location, excluded",
    [
        ("Berlin, Germany", True),
        ("Greater London, England, United Kingdom", True),
        ("Zürich, Schweiz", True),
        ("Toronto, Ontario, Canada", True),
        ("São Paulo, Brasil", True),
        ("Seoul, South Korea", True),
        ("Sydney, New South Wales, Australia", True),
        ("European Union", True),
        ("Austin, Texas, United States", False),
        ("Long Island, New York", False),
        ("Boston, New England", False),
        ("Greater Seattle Area", False),
        ("Bengaluru, Karnataka, India", False),
    ],
)
def test_without_a_country_code_the_location_text_decides(strict, location, excluded):
    lead = person("p-text", country=None, location=location)
    verdict = compliance.check(lead, strict)
    assert verdict.allowed is not excluded, verdict


def test_unknown_location_is_refused_when_the_campaign_excludes_opt_in_jurisdictions(campaign, strict):
    enriched_nowhere = person("nowhere", country=None, location=None)
    never_enriched = discover(f"{BASE}/in/fresh/", "fresh").lead

    for lead in (enriched_nowhere, never_enriched):
        verdict = compliance.check(lead, strict)
        assert not verdict.allowed and verdict.rule == compliance.LOCATION_UNKNOWN
        assert compliance.check(lead, campaign).allowed


def test_pure_helpers():
    assert is_opt_in_code(" GB ") and is_opt_in_code("el") and not is_opt_in_code("us")
    assert opt_in_country_in_text("Paris, Île-de-France, France") == "fr"
    assert opt_in_country_in_text("Paris, Texas, United States") is None
