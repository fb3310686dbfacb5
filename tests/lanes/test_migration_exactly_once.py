"""Migration 0006 carries 0003's state over: contacted people become bound to the deal that contacted
them (no other campaign contacts them after the upgrade), the old sending mark in `last_error` becomes
the SENDING phase, and the weekly-limit / throttle pause columns become lane pauses.

Rows are written with 0003's historical models on a database migrated back to 0003; the test database is
migrated forward again whatever happens.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from openoutreach.pipeline import leads, transitions
from openoutreach.pipeline.campaigns import create_campaign

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("outreach", "0003_llm_columns")]
AFTER = [("outreach", "0006_exactly_once")]
WEEK_END = datetime(2030, 1, 7, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0003(campaign, alice):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    x = leads.discover("https://www.linkedin.com/in/x-person/", "x-person").lead
    y = leads.discover("https://www.linkedin.com/in/y-person/", "y-person").lead
    deals = {
        "x_a": transitions.promote(x, campaign, 0.5).pk,
        "x_b": transitions.promote(x, other, 0.5).pk,
        "y_a": transitions.promote(y, campaign, 0.5).pk,
    }
    try:
        yield migrate(BEFORE), alice, deals
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_contacted_people_sending_marks_and_pauses_are_carried_over(at_0003):
    old_apps, alice, deals = at_0003
    OldDealState = old_apps.get_model("outreach", "DealState")
    OldAccount = old_apps.get_model("outreach", "LinkedInAccount")
    invited = datetime(2026, 6, 1, tzinfo=UTC)
    OldDealState.objects.filter(pk=deals["x_a"]).update(
        state="Pending", contacted_at=invited, account_id=alice.pk
    )
    OldDealState.objects.filter(pk=deals["y_a"]).update(state="Connected", last_error="follow-up sending")
    OldAccount.objects.filter(pk=alice.pk).update(connect_paused_until=WEEK_END)

    apps = migrate(AFTER)
    DealState = apps.get_model("outreach", "DealState")
    PersonClaim = apps.get_model("outreach", "PersonClaim")
    LanePause = apps.get_model("outreach", "LanePause")
    x_claim = PersonClaim.objects.get(deal_state_id=deals["x_a"])
    assert (x_claim.contacted_at, x_claim.sending) == (invited, False)
    assert not PersonClaim.objects.filter(deal_state_id=deals["x_b"]).exists()  # x belongs to campaign A
    y = DealState.objects.get(pk=deals["y_a"])
    assert (y.outward, y.last_error) == ("sending", "")
    assert PersonClaim.objects.get(deal_state_id=deals["y_a"]).sending
    pause = LanePause.objects.get(account_id=alice.pk)
    assert (pause.lane, pause.reason, pause.until) == ("connect", "weekly_limit", WEEK_END)

    old_apps = migrate(BEFORE)  # and back: the sending mark and the pause column return
    OldDealState = old_apps.get_model("outreach", "DealState")
    OldAccount = old_apps.get_model("outreach", "LinkedInAccount")
    assert OldDealState.objects.get(pk=deals["y_a"]).last_error == "follow-up sending"
    assert OldAccount.objects.get(pk=alice.pk).connect_paused_until == WEEK_END
    assert OldAccount.objects.get(pk=alice.pk).enrich_paused_until is None
    assert OldDealState.objects.get(pk=deals["x_a"]).contacted_at == invited
