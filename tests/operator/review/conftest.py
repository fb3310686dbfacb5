"""A review queue as the qualifier leaves it: held "fits" answers the second look doubted (deal closed as
"Held for review"), answers the model disputed at once (no deal), output that did not parse, and leads
already decided. The expected queue order is written out here, not computed by the code under test."""

from __future__ import annotations

from datetime import timedelta

import pytest

BASE = "https://www.linkedin.com"
LONG_REASON = (
    "The profile describes a senior platform engineering leader who owns the internal developer platform, "
    "Kubernetes clusters and the CI/CD pipelines of a mid-sized software company; this matches the target "
    "of heads of platform engineering and DevOps leads at software companies, and the product (a managed "
    "CI/CD platform for Kubernetes teams) addresses exactly the problems this person is responsible for."
)


def enriched_lead(public_id: str, account=None, *, first: str = "Ada", last: str = "Lovelace"):
    """Discover and enrich one person through the real persistence functions."""
    from openoutreach.linkedin.voyager.parser import Education, ParsedProfile, Position
    from openoutreach.pipeline.leads import discover, save_enrichment

    lead = discover(f"{BASE}/in/{public_id}/", public_id, account).lead
    profile = ParsedProfile(
        url=f"{BASE}/in/{public_id}/", public_identifier=public_id, full_name=f"{first} {last}",
        first_name=first, last_name=last, headline=f"Head of Platform at {last} Labs",
        summary="Builds internal developer platforms.", location_name="Austin, Texas, United States",
        country_code="us", industry="Software Development",
        positions=[
            Position(title="Head of Platform", company_name=f"{last} Labs", date_range={"start": {"year": 2021, "month": 3}, "end": None}),
            Position(title="SRE", company_name="Globex", date_range={"start": {"year": 2016, "month": None}, "end": {"year": 2021, "month": 2}}),
        ],
        educations=[Education(school_name="MIT", degree_name="BSc", field_of_study="Computer Science")],
    )  # fmt: skip
    return save_enrichment(lead, profile, b'{"data": {}}', account)


def held(campaign, lead, p: float, at, reason: str = LONG_REASON):
    """A "fits" answer the second look doubted: label emptied, deal closed as "Held for review"."""
    from openoutreach.outreach.models import Qualification
    from openoutreach.pipeline import transitions

    ds = transitions.promote(lead, campaign, score=0.9)
    transitions.hold_for_review(ds, "held for review: the model doubts it")
    return Qualification.objects.create(
        campaign=campaign, lead=lead, label=None, llm_label=1, source="llm", prob=p, at=at,
        reason=f"needs review: the LLM says the lead fits but the model trained on the 11 other labels puts "
        f"its fit probability at {p:.2f}; LLM reason: {reason}",
    )  # fmt: skip


def disputed(campaign, lead, p: float, at, said: int = 0):
    from openoutreach.outreach.models import Qualification

    return Qualification.objects.create(
        campaign=campaign, lead=lead, label=None, llm_label=said, source="llm", prob=p, at=at,
        reason=f"needs review: the LLM says the lead does not fit but the model puts its fit probability "
        f"at {p:.2f}; LLM reason: {LONG_REASON}",
    )  # fmt: skip


def unparsable(campaign, lead, p: float | None, at):
    from openoutreach.outreach.models import Qualification

    return Qualification.objects.create(
        campaign=campaign, lead=lead, label=None, source="llm", prob=p, at=at,
        reason="needs review: the answer was not valid JSON: 'Sure! Here is my analysis...'",
    )  # fmt: skip


@pytest.fixture
def queue(campaign):
    """Five leads waiting for review and two decided ones. Expected order: most uncertain probability
    first (closest to 0.5), ties and unknown probabilities by age."""
    from django.utils import timezone

    from openoutreach.outreach.models import Qualification

    t0 = timezone.now() - timedelta(days=3)
    rows = {
        "held-sure": held(campaign, enriched_lead("held-sure", last="Sure"), 0.10, t0),
        "held-unsure": held(campaign, enriched_lead("held-unsure", last="Unsure"), 0.45, t0 + timedelta(hours=1)),
        "disputed": disputed(campaign, enriched_lead("disputed", last="Disputed"), 0.55, t0 + timedelta(hours=2)),
        "garbage-old": unparsable(campaign, enriched_lead("garbage-old", last="Garbage"), None, t0 - timedelta(hours=5)),
        "garbage-new": unparsable(campaign, enriched_lead("garbage-new", last="Newgarbage"), 0.30, t0 + timedelta(hours=3)),
    }  # fmt: skip
    decided = enriched_lead("decided", last="Decided")
    Qualification.objects.create(campaign=campaign, lead=decided, label=1, source="llm", prob=0.9)
    rejected = enriched_lead("rejected", last="Rejected")
    Qualification.objects.create(campaign=campaign, lead=rejected, label=0, source="model", prob=0.02)
    return {
        "rows": rows,
        # |p - 0.5|: held-unsure .05, disputed .05 (younger), garbage-new .20, held-sure .40, garbage-old none
        "order": ["held-unsure", "disputed", "garbage-new", "held-sure", "garbage-old"],
    }


@pytest.fixture
def many_waiting(campaign):
    """41 held leads with long LLM reasons, as a demo run leaves them (the issue's measurement)."""
    from django.utils import timezone

    t0 = timezone.now() - timedelta(days=1)
    return [
        held(campaign, enriched_lead(f"person-{i}", first=f"P{i}", last="Person"), 0.1 + i / 100, t0)
        for i in range(41)
    ]
