"""Account health is behaviour of the account: `may_act(lane)` answers for dispatchers and browser tasks
alike (pause, lane pause, hours, caps), repeated failures back off, and new accounts warm up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as clock

import pytest
from django.utils import timezone

from openoutreach.browser_work import enrich as enrich_work
from openoutreach.outreach.models import ActionLog, Lane, LanePauseReason, LinkedInAccount
from openoutreach.pipeline import leads
from openoutreach.pipeline.campaigns import create_account
from openoutreach.safety import caps

NOON = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 23, 0, tzinfo=UTC)


def test_may_act_names_the_first_reason_not_to(alice):
    assert alice.may_act(Lane.CONNECT, NOON) == (True, "")
    assert alice.may_act(Lane.ENRICH, NIGHT) == (False, "outside working hours")

    alice.pause_lane(Lane.CONNECT, LanePauseReason.PAGE_CHANGED, "no Connect control on 3 profiles")
    allowed, why = alice.may_act(Lane.CONNECT, NOON)
    assert not allowed
    assert (
        why
        == "connect paused: LinkedIn's page may have changed: see captures no Connect control on 3 profiles"
    )
    assert alice.may_act(Lane.FOLLOW_UP, NOON) == (True, "")  # only that lane
    assert [p.reason for p in alice.paused_lanes(NOON)] == ["page_changed"]
    alice.resume_lane(Lane.CONNECT)  # an operator's action in the admin
    assert alice.may_act(Lane.CONNECT, NOON) == (True, "")

    alice.followup_daily_limit = 1
    alice.save()
    ActionLog.objects.create(account=alice, kind="follow_up", outcome="ok", at=NOON - timedelta(hours=1))
    assert alice.may_act(Lane.FOLLOW_UP, NOON) == (False, "today's follow_up cap is reached")

    alice.pause("checkpoint")
    assert alice.may_act(Lane.SEARCH, NOON) == (False, "account paused: checkpoint")


def test_a_typo_in_a_lane_or_reason_is_an_error(alice):
    with pytest.raises(ValueError):
        alice.pause_lane("conect", LanePauseReason.PAGE_CHANGED)
    with pytest.raises(ValueError):
        alice.pause_lane(Lane.CONNECT, "page changed")


def test_repeated_failures_back_off_and_a_success_resets_the_count(alice, settings):
    settings.ACCOUNT_FAILURES_BEFORE_BACKOFF = 2
    alice.record_failure("TimeoutError")
    assert not alice.is_paused() and alice.consecutive_failures == 1
    alice.record_success()
    alice.record_failure("TimeoutError")
    alice.record_failure("TimeoutError")
    alice.refresh_from_db()
    assert alice.is_paused() and "2 failures in a row" in alice.paused_reason
    assert alice.paused_until is not None  # a back-off, not a stop: it ends by itself
    assert not alice.is_paused(alice.paused_until + timedelta(seconds=1))


def test_a_new_account_warms_up_from_the_day_it_is_added_unless_marked_warm(campaign):
    fresh = create_account("carol", "carol@example.com", "pw", campaign)
    warm = create_account("dave", "dave@example.com", "pw", campaign, warmup_started_on=None)
    today = datetime.combine(fresh.warmup_started_on, clock(12), tzinfo=UTC)
    assert caps.daily_cap(fresh, "connect", today) == 4  # 20 a day, from 20 % on day one
    assert caps.daily_cap(warm, "connect", today) == 20
    assert LinkedInAccount._meta.get_field("warmup_started_on").default() == timezone.localdate()


def test_enrich_in_the_worker_views_nobody_outside_working_hours_or_over_the_cap(alice):
    ids = [leads.discover(f"https://www.linkedin.com/in/p-{i}/", f"p-{i}", alice).lead.pk for i in range(3)]
    alice.working_hours_start, alice.working_hours_end = clock(0, 0), clock(0, 1)  # closed all day
    alice.save()
    # No LinkedIn client at all: the re-check must stop the unit before any profile is viewed.
    report = enrich_work.enrich(None, alice, ids)
    assert report.enriched == [] and sorted(report.not_viewed) == sorted(ids)
    assert report.why_not == "outside working hours"
