"""A three-step sequence on the real browser worker and the sandbox: each step goes when its delay is
over and not a minute before (the dispatcher on frozen time; the worker, which re-reads the real clock,
sees days pass by the deal's schedule moving back), one message per step, and nothing after a reply
(set as the inbox records it: `replied_at` on a deal of the person, here in another campaign)."""

from __future__ import annotations

import random
from datetime import time as clock
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.lanes import follow_up
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, DealState, LaneSlot, SequenceStep
from openoutreach.pipeline import leads, stages, transitions
from openoutreach.pipeline.campaigns import create_campaign
from openoutreach.testing.fixtures import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

STEPS = [  # (delay in days, template)
    (0, "Step one for {{ first_name }}: thanks for connecting."),
    (4, "Step two for {{ first_name }}: one more thought on {{ campaign }}."),
    (7, "Step three for {{ first_name }}: last note, {{ booking_link }}"),
]


@pytest.fixture
def three_steps(campaign):
    SequenceStep.objects.filter(campaign=campaign).delete()
    for position, (days, template) in enumerate(STEPS, start=1):
        SequenceStep.objects.create(
            campaign=campaign,
            position=position,
            delay_days=days,
            kind=SequenceStep.Kind.TEMPLATE,
            template=template,
        )
    return campaign


@pytest.fixture
def open_alice(alice):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    return alice


def connected_deal(sandbox, campaign, alice):
    person = next(
        p for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and not p["namesake_of"] and p["relations"].get("alice") == "connected"
    )  # fmt: skip
    lead = leads.discover(profile_url(person["public_id"], sandbox.base_url), person["public_id"], alice).lead
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [lead.pk]}).get(timeout=180)
    return transitions.mark_already_connected(transitions.promote(lead, campaign, 0.9), alice), person


def messages(sandbox, person) -> list[str]:
    return [
        m["text"] for m in sandbox.control.snapshot()["messages"]
        if m["person"] == person["public_id"] and m["sender"] == "account"
    ]  # fmt: skip


def shift(ds: DealState, by: timedelta) -> None:
    """Time passes for this deal: its schedule moves back by `by` (the worker re-reads the real clock)."""
    DealState.objects.filter(pk=ds.pk).update(next_message_at=F("next_message_at") - by)


def four_days_pass(ds: DealState) -> None:
    shift(ds, timedelta(days=4, seconds=1))


def slot_free() -> None:
    """Pacing is tested elsewhere: here each dispatch may take the slot once the step is due."""
    LaneSlot.objects.filter(lane="follow_up").update(next_at=timezone.now() - timedelta(days=1))


def test_each_step_goes_at_its_time_and_nothing_after_a_reply(
    sandbox, three_steps, open_alice, browser_worker
):
    worker = browser_worker("alice")
    ds, person = connected_deal(sandbox, three_steps, open_alice)
    assert ds.next_message_at is not None and ds.sequence_step == 0

    [first] = follow_up.dispatch(timezone.now(), random.Random(0))
    assert first["step"] == 1
    wait_for(lambda: DealState.objects.get(pk=ds.pk).sequence_step == 1, "step 1", worker)
    ds.refresh_from_db()
    sent_1 = ActionLog.objects.filter(deal_id=ds.deal_id, kind="follow_up", outcome="ok").get().at
    assert ds.state == stages.CONNECTED and ds.outward == ""
    assert abs(ds.next_message_at - (sent_1 + timedelta(days=4))) < timedelta(seconds=5)
    assert [m.split(":")[0] for m in messages(sandbox, person)] == ["Step one for " + person["first_name"]]

    slot_free()
    assert follow_up.dispatch(ds.next_message_at - timedelta(minutes=1), random.Random(1)) == []
    # A task for step 2 sent before its time (a stale dispatcher) is refused by the worker's own clock.
    early = app.send_task("browser.follow_up", kwargs={"account": "alice", "deal_state_id": ds.pk, "step": 2})
    assert early.get(timeout=180)["result"] == "skipped"
    four_days_pass(ds)
    [second] = follow_up.dispatch(timezone.now(), random.Random(2))
    assert second["step"] == 2 and second["deal_state"] == ds.pk
    wait_for(lambda: DealState.objects.get(pk=ds.pk).sequence_step == 2, "step 2", worker)
    ds.refresh_from_db()
    assert ds.state == stages.CONNECTED
    assert len(messages(sandbox, person)) == 2 and messages(sandbox, person)[1].startswith("Step two")
    due_3 = ds.next_message_at
    sent_2 = (
        ActionLog.objects.filter(deal_id=ds.deal_id, kind="follow_up", outcome="ok").order_by("at").last().at
    )
    assert abs(due_3 - (sent_2 + timedelta(days=7))) < timedelta(seconds=5)

    # The person answers us in another campaign: the inbox sets replied_at on that deal.
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    theirs = transitions.promote(ds.lead, other, 0.5)
    DealState.objects.filter(pk=theirs.pk).update(replied_at=timezone.now())

    slot_free()
    assert follow_up.dispatch(due_3 + timedelta(days=1), random.Random(3)) == []
    shift(ds, timedelta(days=8))  # step 3's time has passed, for the worker's clock too
    # A step-3 task sent anyway (an operator, a stale queue) is refused by the worker's own stop rule.
    result = app.send_task(
        "browser.follow_up", kwargs={"account": "alice", "deal_state_id": ds.pk, "step": 3}
    ).get(timeout=180)
    assert result["result"] == "skipped" and "replied" in result["detail"]
    ds.refresh_from_db()
    assert ds.sequence_step == 2 and ds.state == stages.CONNECTED
    assert len(messages(sandbox, person)) == 2


def test_a_step_already_sent_is_never_sent_again(sandbox, three_steps, open_alice, browser_worker):
    worker = browser_worker("alice")
    ds, person = connected_deal(sandbox, three_steps, open_alice)
    follow_up.dispatch(timezone.now(), random.Random(0))
    wait_for(lambda: DealState.objects.get(pk=ds.pk).sequence_step == 1, "step 1", worker)

    # A redelivered task for step 1 (its stable key: deal + step) finds the step sent and does nothing.
    result = app.send_task(
        "browser.follow_up", kwargs={"account": "alice", "deal_state_id": ds.pk, "step": 1}
    ).get(timeout=180)
    assert result["result"] == "skipped" and "not next" in result["detail"]
    assert len(messages(sandbox, person)) == 1
    with pytest.raises(transitions.TransitionRefused):  # and the transition refuses a second record
        transitions.mark_message_sent(ds, open_alice, "again", 1, 3)
