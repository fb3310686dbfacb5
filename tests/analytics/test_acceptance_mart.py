"""The connection-accepted mart holds one row per invitation with the outcome and features the CRM gives.

The expectation is read twice: from the CRM through the acceptance model's own reader
(`acceptance_outcomes.invitations`) and from the scenario's facts below, so that a mart and a reader
that agree on a wrong answer cannot both pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from openoutreach.ml.acceptance import SENIORITY_PATTERNS, seniority
from openoutreach.ml.acceptance_outcomes import invitations
from openoutreach.reporting.marts import read_mart

pytestmark = pytest.mark.django_db(transaction=True)

COLUMNS = (
    "invitation_id", "campaign_id", "deal_state_id", "lead_id", "account_id", "outcome", "accepted",
    "score", "connection_degree", "distance", "seniority", "has_summary", "position_count",
    "education_count", "industry", "country_code",
)  # fmt: skip

# One headline per seniority word list (and a plain one), to check the SQL macro against Python's.
HEADLINES = [
    "Vice President of Sales",
    "Chief Executive Officer",
    "Head of Platform",
    "Engineering Manager, SRE",
    "Staff Platform Engineer",
    "Sr. DevOps Engineer",
    "Junior Cloud Engineer",
    "Site Reliability Engineer",
]


def _enrich(lead, public_id: str, account, i: int) -> None:
    from openoutreach.linkedin.voyager import ParsedProfile
    from openoutreach.linkedin.voyager.parser import Education, Position
    from openoutreach.pipeline.leads import save_enrichment

    profile = ParsedProfile(
        public_identifier=public_id,
        first_name=public_id.title(),
        last_name="Doe",
        headline=HEADLINES[i % len(HEADLINES)],
        summary="Kubernetes at scale." if i % 2 else "  \n ",
        industry="Software Development" if i % 3 else "Hospitals and Health Care",
        country_code="us" if i % 2 else "de",
        positions=[Position(title="Platform lead" if i % 4 == 0 else None, company_name="Acme")] * (i % 3),
        educations=[Education(school_name="MIT")] * (i % 2),
        connection_degree=2 + i % 2,
        distance=f"DISTANCE_{2 + i % 2}",
    )
    save_enrichment(lead, profile, b'{"fake": "voyager"}', account)


def _dt(days_ago: float) -> datetime:
    return timezone.now() - timedelta(days=days_ago)


@pytest.fixture
def invited(campaign, alice):
    """Invitations with every outcome: accepted in time, accepted late, declined then invited again and
    accepted, still pending inside the window (open), pending past it, declined for good."""
    from openoutreach.pipeline import transitions as t
    from openoutreach.pipeline.leads import discover

    deals = []
    for i in range(8):
        lead = discover(f"https://www.linkedin.com/in/person-{i}/", f"person-{i}", alice).lead
        _enrich(lead, f"person-{i}", alice, i)
        deals.append(t.promote(lead, campaign, score=0.9 - i / 10))

    def at(days_ago):
        return time_machine.travel(_dt(days_ago), tick=False)

    with at(40):
        t.mark_pending(deals[0], alice, 24)
    with at(39):
        t.mark_connected(deals[0], alice)  # accepted after one day
    with at(40):
        t.mark_pending(deals[1], alice, 24)
    with at(20):
        t.mark_connected(deals[1], alice)  # accepted after 20 days: late
    with at(50):
        t.mark_pending(deals[2], alice, 24)
    with at(45):
        deals[2] = t.mark_withdrawn(deals[2], alice, "declined")  # back to New once
    with at(30):
        t.mark_pending(deals[2], alice, 24)
    with at(28):
        t.mark_connected(deals[2], alice)
    with at(27):
        t.mark_completed(deals[2], alice, "Hi!")
    with at(3):
        t.mark_pending(deals[3], alice, 24)  # open
    with at(20):
        t.mark_pending(deals[4], alice, 24)  # pending past the window
    with at(20):
        t.mark_pending(deals[5], alice, 24)
    with at(19):
        t.mark_failed(deals[5], "declined", alice)
    # deals[6]: never invited; deals[7]: already a connection (no invitation)
    t.mark_already_connected(deals[7], alice)
    return deals


def test_the_mart_has_one_row_per_invitation_equal_to_the_crm(invited, build_analytics):
    result = build_analytics()
    assert result.success, result.summary()
    mart = read_mart(result.analytics_db, "mart_connection_accepted")
    crm = invitations(now=timezone.now(), window_days=14)

    assert len(mart) == len(crm) == 7  # deal 2 twice, deals 6 and 7 never
    by_id = {row["invitation_id"]: row for row in mart}
    for row in crm:
        got = by_id[row.invitation_id]
        expected = {name: getattr(row, name) for name in COLUMNS}
        assert {name: got[name] for name in COLUMNS} == expected, row.invitation_id
        assert got["sent_at"].replace(tzinfo=UTC) == row.sent_at
        assert (got["accepted_at"] and got["accepted_at"].replace(tzinfo=UTC)) == row.accepted_at

    # the scenario's own facts, per deal in invitation order
    outcomes = [(r.deal_state_id, r.outcome) for r in sorted(crm, key=lambda r: r.invitation_id)]
    ids = [ds.pk for ds in invited]
    assert sorted(outcomes) == sorted(
        [
            (ids[0], "accepted"),
            (ids[1], "not_accepted"),
            (ids[2], "not_accepted"),
            (ids[2], "accepted"),
            (ids[3], "open"),
            (ids[4], "not_accepted"),
            (ids[5], "not_accepted"),
        ]
    )
    assert {r.seniority for r in crm} == {7, 6, 5, 4, 3, 2}  # deals 0-5 were invited


def test_the_seniority_words_of_the_mart_are_the_models():
    """The SQL macro repeats acceptance.SENIORITY_PATTERNS: same levels, same order, same patterns."""
    from pathlib import Path

    macro = (Path(__file__).parents[2] / "analytics" / "macros" / "seniority.sql").read_text()
    whens = [line.strip() for line in macro.splitlines() if line.strip().startswith("when")]
    assert whens == [
        f"when regexp_matches({{{{ text }}}}, '{pattern}') then {level}"
        for level, _name, pattern in SENIORITY_PATTERNS
    ]
    assert [seniority(h) for h in HEADLINES] == [6, 7, 5, 4, 3, 2, 1, 0]
