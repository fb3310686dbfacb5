"""The browser worker, as a real process driving real Chromium against the sandbox, persists to the CRM."""

from __future__ import annotations

import json
import time
from datetime import time as clock
from datetime import timedelta

import pytest
from common.models import TheFile
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, LinkedInAccount, LinkedInProfile, SearchKeyword
from openoutreach.pipeline import leads

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def alice(alice):
    """alice works around the clock here: the worker re-checks her working hours before every view."""
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    return alice


def _people(sandbox, n: int, **where) -> list[dict]:
    people = sandbox.control.people(limit=300)
    chosen = [p for p in people if all(p.get(k) == v for k, v in where.items())]
    return chosen[:n]


def test_enrichment_writes_leads_companies_raw_json_and_the_audit_trail(sandbox, alice, browser_worker):
    browser_worker("alice")
    people = _people(sandbox, 3)
    ids = []
    for person in people:
        url = profile_url(person["public_id"], sandbox.base_url)
        ids.append(leads.discover(url, person["public_id"], alice).lead.pk)
    assert (
        leads.discover(profile_url(people[0]["public_id"], sandbox.base_url), people[0]["public_id"]).created
        is False
    )

    report = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids}).get(timeout=240)

    assert sorted(report["enriched"]) == sorted(ids)
    for person, lead_id in zip(people, ids, strict=True):
        profile = LinkedInProfile.objects.select_related("lead").get(lead_id=lead_id)
        lead = profile.lead
        truth = sandbox.control.person(person["public_id"])
        assert profile.enriched_at is not None
        assert (lead.first_name, lead.last_name) == (truth["first_name"], truth["last_name"])
        parsed = json.loads(lead.description)
        assert parsed["public_identifier"] == person["public_id"]
        assert parsed["positions"], "the parsed positions are kept on the lead"
        assert TheFile.objects.filter(object_id=lead_id).exists()
    assert ActionLog.objects.filter(kind="enrich", outcome="ok", account=alice).count() == 3
    # Visiting profiles discovers the people in their sidebars, never the account itself.
    assert report["discovered"] > 0
    assert not LinkedInProfile.objects.filter(public_identifier="alice-anders-sandbox").exists()


def test_a_search_page_discovers_people_and_marks_the_keyword_used(sandbox, alice, campaign, browser_worker):
    browser_worker("alice")
    keyword = SearchKeyword.objects.create(campaign=campaign, keyword="kubernetes")

    report = app.send_task(
        "browser.search", kwargs={"account": "alice", "keyword_id": keyword.pk, "page": 1}
    ).get(timeout=180)

    keyword.refresh_from_db()
    assert report["results"] == 10
    assert keyword.used and keyword.pages_searched == 1
    assert LinkedInProfile.objects.count() >= 10 == report["results"]
    assert ActionLog.objects.filter(kind="search", outcome="ok", campaign=campaign).exists()


def test_a_checkpoint_at_login_pauses_the_account_and_is_never_retried(sandbox, campaign, browser_worker):
    from openoutreach.testing.fixtures import make_account

    dave = make_account("dave", campaign)
    browser_worker("dave")

    outcome = app.send_task("browser.health", kwargs={"account": "dave"}).get(timeout=120)
    again = app.send_task("browser.health", kwargs={"account": "dave"}).get(timeout=60)

    dave.refresh_from_db()
    assert outcome == {"paused": "checkpoint"}
    assert dave.status == LinkedInAccount.Status.PAUSED and "checkpoint" in dave.paused_reason
    assert again["skipped"].startswith("account paused")
    logins = [
        r
        for r in sandbox.control.request_log("dave")
        if r["path"].startswith("/login") and r["method"] == "POST"
    ]
    assert len(logins) == 1


def test_a_voyager_429_records_a_back_off_and_pauses_the_accounts_enrichment(sandbox, alice, browser_worker):
    browser_worker("alice")
    people = _people(sandbox, 2)
    ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]
    sandbox.control.set_faults(account="alice", voyager_429_rate=1.0)

    report = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids}).get(timeout=180)

    alice.refresh_from_db()
    assert report["throttled_for"] is not None and report["enriched"] == []
    assert alice.lane_pause("enrich").reason == "throttled"
    limit = ActionLog.objects.get(kind="enrich", outcome="limit", account=alice)
    assert "throttled" in limit.detail and "paused until" in limit.detail
    assert not LinkedInProfile.objects.filter(enriched_at__isnull=False).exists()


def test_the_watchdog_kills_a_hung_browser_and_the_next_task_gets_a_fresh_one(sandbox, alice, browser_worker):
    browser_worker("alice", env_extra={"BROWSER_TASK_TIMEOUT_SECONDS": "8"})
    assert app.send_task("browser.health", kwargs={"account": "alice"}).get(timeout=120)["login"]
    sandbox.control.set_faults(account="alice", slow_seconds=60)  # every page now hangs for a minute

    person = _people(sandbox, 1)[0]
    lead = leads.discover(profile_url(person["public_id"], sandbox.base_url), person["public_id"], alice).lead
    started = time.monotonic()
    hung = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [lead.pk]})
    with pytest.raises(Exception):  # noqa: B017  (Playwright's error for a killed browser)
        hung.get(timeout=60)
    assert time.monotonic() - started < 40, "the watchdog should have ended the task after ~8 s"

    sandbox.control.clear_faults(account="alice")
    again = app.send_task("browser.health", kwargs={"account": "alice"}).get(timeout=120)
    assert again["login"] in ("reused", "logged_in")


def test_outside_working_hours_with_no_views_left_the_worker_views_nobody(sandbox, alice, browser_worker):
    browser_worker("alice")
    people = _people(sandbox, 3)
    ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]
    now = timezone.now()
    alice.working_hours_start = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    alice.working_hours_end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    alice.enrich_daily_limit = 0
    alice.save()

    report = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids}).get(timeout=120)

    assert report == {"skipped": "outside working hours (re-checked in the worker)"}
    visited = [r for r in sandbox.control.request_log("alice") if r["path"].startswith("/in/")]
    assert visited == [] and not LinkedInProfile.objects.filter(enriched_at__isnull=False).exists()
