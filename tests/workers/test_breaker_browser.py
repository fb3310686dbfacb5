"""A Connect control gone from LinkedIn's pages: each try leaves a capture, the third in a row pauses
connects for that account (the real browser worker on the sandbox), and a resume starts afresh."""

from __future__ import annotations

from datetime import time as clock
from pathlib import Path

import pytest
from crm.models import Lead
from django.conf import settings

from openoutreach.celery import app
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, DealState
from openoutreach.outreach.work_models import LanePauseReason
from openoutreach.pipeline import leads, stages, transitions

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _deals(sandbox, campaign, alice, n: int) -> list[DealState]:
    people = [
        p
        for p in sandbox.control.people(limit=300)
        if not p["private"]
        and not p["is_account"]
        and p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3")
    ][:n]
    lead_ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": lead_ids}).get(timeout=300)
    return [transitions.promote(Lead.objects.get(pk=pk), campaign, 0.9) for pk in lead_ids]


def connect(ds: DealState) -> dict:
    return app.send_task("browser.connect", kwargs={"account": "alice", "deal_state_id": ds.pk}).get(
        timeout=240
    )


def test_three_missing_connect_controls_in_a_row_pause_connects_until_resumed(
    sandbox, campaign, alice, browser_worker
):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    browser_worker("alice", env_extra={"BREAKER_THRESHOLD": "3", "OUTWARD_ACTION_GAP_SECONDS": "3"})
    first, second, third, fourth = _deals(sandbox, campaign, alice, 4)
    sandbox.control.set_faults(account="alice", missing_connect_rate=1.0)

    for ds in (first, second, third):
        connect(ds)

    pause = alice.lane_pause("connect")
    assert pause is not None and pause.reason == LanePauseReason.PAGE_CHANGED
    misses = ActionLog.objects.filter(account=alice, kind="connect", outcome=ActionLog.Outcome.NOT_FOUND)
    assert misses.count() == 3
    for row in misses:
        assert Path(row.capture).is_file() and Path(row.capture).is_relative_to(
            settings.CAPTURES_DIR / "alice"
        )
        assert "alice-pass" not in Path(row.capture).read_text()
    assert ActionLog.objects.filter(account=alice, outcome=ActionLog.Outcome.BREAKER).count() == 1

    connect(fourth)  # paused: the worker does not even open the page
    assert DealState.objects.get(pk=fourth.pk).state == stages.NEW
    assert misses.count() == 3 and sandbox.control.snapshot()["invitations"] == []

    sandbox.control.clear_faults(account="alice")
    alice.resume_lane("connect")
    connect(fourth)

    assert DealState.objects.get(pk=fourth.pk).state == stages.PENDING
    assert [i["account"] for i in sandbox.control.snapshot()["invitations"]] == ["alice"]
