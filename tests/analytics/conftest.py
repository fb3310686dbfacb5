"""A small CRM built through the project's own functions, and a dbt build of it.

The scenario puts people in every state of two campaigns, with actions near midnight in an account's own
time zone, a warm-up ramp and one account over its daily cap, so each mart column has something to count.
Tests are transactional (rows committed): DuckDB reads the SQLite test database file from outside Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from openoutreach.testing.fixtures import make_account

DAY = date(2025, 6, 2)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass
class Scenario:
    devops: object
    fintech: object
    alice: object
    bob: object
    leads: list


@pytest.fixture(scope="session")
def analytics_work_dir(tmp_path_factory) -> Path:
    """Shared between tests: the installed extension and dbt's partial parse make later builds faster."""
    return tmp_path_factory.mktemp("analytics-work")


@pytest.fixture
def build_analytics(analytics_work_dir, tmp_path):
    """Build the marts from the (committed) test database into tmp_path/analytics.duckdb."""
    from django.db import connection

    from openoutreach.reporting.runner import AnalyticsPaths, build
    from openoutreach.reporting.source import CrmSource

    def run():
        paths = AnalyticsPaths(analytics_db=tmp_path / "analytics.duckdb", work_dir=analytics_work_dir)
        return build(CrmSource.from_django(connection.settings_dict), paths, threads=2)

    return run


def _enrich(lead, public_id: str, account) -> None:
    from openoutreach.linkedin.voyager import ParsedProfile
    from openoutreach.pipeline.leads import save_enrichment

    profile = ParsedProfile(
        public_identifier=public_id, first_name=public_id.title(), last_name="Doe", headline="Platform lead"
    )
    save_enrichment(lead, profile, b'{"fake": "voyager"}', account)


def _label(campaign, lead, label, source, **columns) -> None:
    from openoutreach.outreach.models import Qualification

    Qualification.objects.create(
        campaign=campaign, lead=lead, label=label, source=source, reason="test", **columns
    )


@pytest.fixture
def scenario(campaign, alice) -> Scenario:
    from openoutreach.outreach.models import ActionLog
    from openoutreach.pipeline import transitions as t
    from openoutreach.pipeline.campaigns import create_campaign, join
    from openoutreach.pipeline.leads import discover, mark_unavailable

    devops = campaign
    fintech = create_campaign("fintech", product_docs="Ledger API.", campaign_objective="CFOs at fintechs.")
    join(alice, fintech)
    alice.time_zone = "America/New_York"
    alice.warmup_started_on = date(2025, 5, 27)  # day 5 and 6 of a 14-day ramp on the two local days
    alice.save()
    bob = make_account("bob", devops, connect_daily_limit=1)

    with time_machine.travel(at(1), tick=False):
        leads = [
            discover(f"https://www.linkedin.com/in/person-{i}/", f"person-{i}", alice).lead for i in range(14)
        ]
        mark_unavailable(leads[2], "profile is private", alice)
        for i in range(3, 14):
            _enrich(leads[i], f"person-{i}", alice)

    # devops: every state. 0,1 discovered; 2 unavailable; 3 needs review; 4,5 disqualified; 6 fits, no deal
    _label(devops, leads[3], None, "llm", llm_label=1, audit="auto_reject")  # disputed, held for review
    _label(devops, leads[4], 0, "model")
    _label(devops, leads[5], 0, "llm", llm_label=0)
    _label(devops, leads[6], 1, "rule")
    deals = {}
    for i in range(7, 14):
        _label(devops, leads[i], 1, "llm" if i < 10 else "model")
        deals[i] = t.promote(leads[i], devops, score=1.0 - i / 100)
    with time_machine.travel(at(2, 30), tick=False):  # 22:30 on June 1st in New York
        t.mark_pending(deals[8], alice, first_check_hours=24)
    with time_machine.travel(at(10), tick=False):
        t.mark_pending(deals[10], bob, first_check_hours=24)
    with time_machine.travel(at(11), tick=False):  # bob's second invitation of the day: over his cap of 1
        t.mark_pending(deals[11], bob, first_check_hours=24)
        t.mark_failed(deals[11], "declined", bob, kind=ActionLog.Kind.CHECK_PENDING)
    with time_machine.travel(at(14), tick=False):
        t.mark_pending(deals[9], alice, first_check_hours=24)
        t.mark_connected(deals[9], alice)
        t.mark_connected(deals[10], bob)
        t.mark_completed(deals[10], bob, "Hi! Thanks for connecting.")
        t.mark_already_connected(deals[12], alice)
        t.mark_failed(deals[13], "no Connect button", alice)

    # fintech: one deal at New, one label awaiting the operator; everyone else undecided
    _label(fintech, leads[3], 1, "model")
    t.promote(leads[3], fintech)
    _label(fintech, leads[4], None, "operator")
    for tokens in (1200, 800, 0):  # the last call got no answer: counted, with no tokens
        ActionLog.objects.create(
            campaign=devops, kind=ActionLog.Kind.LLM, outcome=ActionLog.Outcome.OK, tokens=tokens
        )
    return Scenario(devops, fintech, alice, bob, leads)
