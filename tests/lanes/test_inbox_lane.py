"""The inbox lane: only accounts that contacted someone, paced by INBOX_SYNC_MINUTES, in working hours,
never while the account's inbox lane is paused; one browser.sync_inbox on the account's queue."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from openoutreach.lanes import inbox
from openoutreach.outreach.models import Lane, LanePauseReason
from openoutreach.pipeline import leads, transitions

NOON = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday, inside 09:00-17:00 UTC
pytestmark = pytest.mark.django_db(transaction=True)


def _tasks(redis_client) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in redis_client.lrange("browser.alice", 0, -1)]


def test_the_inbox_lane_reads_contacted_accounts_paced_in_hours_unless_paused(campaign, alice, redis_client):
    assert inbox.dispatch(NOON, random.Random(0)) == []  # nobody contacted yet: nothing to read
    lead = leads.discover("https://www.linkedin.com/in/inbox-1/", "inbox-1").lead
    transitions.mark_already_connected(transitions.promote(lead, campaign), alice)

    [sent] = inbox.dispatch(NOON, random.Random(0))
    assert sent["account"] == "alice" and _tasks(redis_client) == ["browser.sync_inbox"]
    assert inbox.dispatch(NOON + timedelta(minutes=1), random.Random(1)) == []  # paced
    later = NOON + timedelta(minutes=settings.INBOX_SYNC_MINUTES * 1.3 / settings.TIME_SCALE)
    redis_client.delete("browser.alice")
    alice.pause_lane(Lane.INBOX, LanePauseReason.PAGE_CHANGED, "test")
    assert inbox.dispatch(later, random.Random(2)) == []  # the breaker's pause holds
    alice.resume_lane(Lane.INBOX)
    assert inbox.dispatch(later.replace(hour=22), random.Random(3)) == []  # outside working hours
    assert len(inbox.dispatch(later, random.Random(4))) == 1
