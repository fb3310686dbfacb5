"""Lanes + a real browser worker + the sandbox: New -> Pending -> Connected -> Completed, and the
sandbox's own record of invitations and messages agrees with the CRM."""

from __future__ import annotations

import random
import time
from datetime import time as clock
from datetime import timedelta

import pytest
from chat.models import ChatMessage
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.lanes import check_pending, connect, follow_up
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, DealState
from openoutreach.pipeline import leads, stages, transitions

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def likely_acceptors(sandbox, n: int) -> list[dict]:
    people = [
        p
        for p in sandbox.control.people(limit=400)
        if not p["private"]
        and not p["is_account"]
        and p["relations"].get("alice") not in (1,)
        and not p["namesake_of"]
    ]
    return sorted(people, key=lambda p: -p["accept_prob"])[:n]


def test_deals_flow_to_completed_and_the_sandbox_agrees(sandbox, campaign, alice, browser_worker):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    browser_worker("alice")
    people = likely_acceptors(sandbox, 3)
    lead_ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": lead_ids}).get(timeout=240)
    deals = [
        transitions.promote(leads.Lead.objects.get(pk=i), campaign, score=0.5 + k / 10)
        for k, i in enumerate(lead_ids)
    ]

    rng, now = random.Random(3), timezone.now()
    for step in range(3):  # three slots, two hours apart (pace: 24 h / 20 a day, +-20%): one each
        assert len(connect.dispatch(now + timedelta(hours=2 * step), rng)) == 1
        wait_for(
            lambda n=step + 1: DealState.objects.filter(state=stages.PENDING).count() == n,
            120,
            "an invitation",
        )

    invited = {i["person"]: i for i in sandbox.control.snapshot()["invitations"]}
    assert set(invited) == {p["public_id"] for p in people}
    assert all(i["account"] == "alice" for i in invited.values())

    # A redelivered connect for a deal that is already Pending sends nothing.
    again = app.send_task("browser.connect", kwargs={"account": "alice", "deal_state_id": deals[0].pk}).get(
        timeout=120
    )
    assert again["result"] == "skipped"
    assert len(sandbox.control.snapshot()["invitations"]) == 3

    sandbox.control.advance(30 * 24 * 3600)  # a month later: whoever accepts has accepted
    accepted = {i["person"] for i in sandbox.control.snapshot()["acceptances"]}
    DealState.objects.filter(state=stages.PENDING).update(next_check_at=now)
    assert check_pending.dispatch(now + timedelta(hours=6))
    wait_for(
        lambda: not DealState.objects.filter(state=stages.PENDING, claimed_until__isnull=False).exists(),
        300,
        "checks",
    )
    connected = set(
        DealState.objects.filter(state=stages.CONNECTED).values_list(
            "lead__linkedin__public_identifier", flat=True
        )
    )
    assert connected == accepted and accepted, (
        "the CRM's Connected deals are exactly the sandbox's acceptances"
    )

    for step in range(len(connected)):
        assert follow_up.dispatch(now + timedelta(hours=8 + 2 * step), rng)
        wait_for(
            lambda n=step + 1: DealState.objects.filter(state=stages.COMPLETED).count() == n,
            120,
            "a follow-up",
        )

    messages = [m for m in sandbox.control.snapshot()["messages"] if m["sender"] != "member"]
    assert {m["person"] for m in messages} == connected and len(messages) == len(connected)
    for m in messages:
        truth = sandbox.control.person(m["person"])
        assert truth["first_name"] in m["text"]
    assert ChatMessage.objects.count() == len(connected)
    assert ActionLog.objects.filter(kind="connect", outcome="ok", account=alice).count() == 3
    assert ActionLog.objects.filter(kind="follow_up", outcome="ok", account=alice).count() == len(connected)
