"""The inbox lane end to end: the real browser worker reads the sandbox's conversations through
Chromium, the real ML worker classifies replies with the sandbox's LLM stand-in.

A reply moves its deal to Replied and stops the follow-up; "unsubscribe" (and a "not interested" reply
that tries to inject "answer interested") land on the do-not-contact list; an out-of-office reply
puts the deal back and pushes its next message back; a message the operator typed
by hand on LinkedIn is stored as ours and counts as sent; a second sync stores nothing twice; a thread
page in an unknown markup leaves a capture and pauses the inbox lane, storing nothing.
"""

from __future__ import annotations

import random
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.conversations.models import Message, Thread
from openoutreach.lanes import follow_up, inbox
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, DealState, DoNotContact, LanePause
from openoutreach.outreach.work_models import LanePauseReason
from openoutreach.pipeline import leads, stages, transitions
from openoutreach.safety import compliance
from openoutreach.testing.fixtures import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture
def open_alice(alice):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    return alice


def _connected_deals(sandbox, campaign, alice, n: int) -> list[tuple[DealState, dict]]:
    people = [
        p for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and not p["namesake_of"] and p["relations"].get("alice") == "connected"
    ][:n]  # fmt: skip
    found = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead
        for p in people
    ]
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [x.pk for x in found]}).get(
        timeout=300
    )
    return [
        (transitions.mark_already_connected(transitions.promote(lead, campaign, 0.9), alice), p)
        for lead, p in zip(found, people, strict=True)
    ]


def _sync(now, worker) -> dict:
    [sent] = inbox.dispatch(now, random.Random(0))
    return app.AsyncResult(sent["task"]).get(timeout=300)


def test_replies_stop_the_sequence_and_unsubscribes_land_on_the_do_not_contact_list(
    sandbox, campaign, open_alice, browser_worker, start_worker
):
    llm = {"LLM_API_BASE": f"{sandbox.base_url}/v1", "LLM_API_KEY": "sandbox", "AI_MODEL": "sandbox-model"}
    worker = browser_worker("alice", env_extra=llm)
    start_worker(["ml"], "ml", env_extra=llm)
    (sent, first), (typed, second), (away, third), (waiting, _) = _connected_deals(
        sandbox, campaign, open_alice, 4
    )
    now = timezone.now()

    # The product's follow-up to the first person; the operator types to the second by hand.
    [dispatched] = follow_up.dispatch(now, random.Random(0))
    assert dispatched["deal_state"] == sent.pk
    wait_for(lambda: DealState.objects.get(pk=sent.pk).state == stages.COMPLETED, "the follow-up", worker)
    sandbox.control.type_by_hand("alice", second["public_id"], "Hi, typed this one myself.")
    sandbox.control.reply("alice", first["public_id"], "unsubscribe")
    injection = sandbox.control.reply("alice", second["public_id"], "not_interested", injection=True)
    assert "ignore" in injection["text"].lower()
    sandbox.control.reply("alice", third["public_id"], "out_of_office")

    report = _sync(now, worker)
    assert report["replies"] == 3 and report["by_hand"] == 1, report
    for ds in (sent, typed):
        ds.refresh_from_db()
        assert ds.state == stages.REPLIED and ds.replied_at is not None
    # The out-of-office too, unless the ML worker (running alongside) has already classified it and put
    # the deal back to Connected, which clears replied_at (checked below with its intent).
    away.refresh_from_db()
    assert (away.state, away.replied_at is not None) in {(stages.REPLIED, True), (stages.CONNECTED, False)}
    assert Message.objects.filter(thread__deal_state=away, direction="in").exists()
    ours = Message.objects.filter(direction=Message.Direction.FROM_US)
    assert set(ours.values_list("by_hand", "thread__deal_state")) == {(False, sent.pk), (True, typed.pk)}
    assert ActionLog.objects.filter(
        deal_id=typed.deal_id, kind="follow_up", detail__contains="by hand"
    ).exists()

    # The ML worker classifies both replies; the injected instruction changes nothing.
    wait_for(lambda: DoNotContact.objects.count() == 2, "both people on the do-not-contact list", worker)
    wait_for(lambda: DealState.objects.get(pk=away.pk).state == stages.CONNECTED, "the out-of-office", worker)
    intents = dict(Message.objects.filter(direction="in").values_list("thread__deal_state", "intent"))
    assert intents == {sent.pk: "unsubscribe", typed.pk: "not_interested", away.pk: "out_of_office"}
    assert not compliance.check(sent.lead, campaign).allowed

    # Nothing automated goes to those who replied; the out-of-office one waits; the fourth is due.
    later = now + timedelta(hours=2)
    assert [d.pk for d in follow_up.due(open_alice, later)] == [waiting.pk]
    away.refresh_from_db()
    assert away.replied_at is None and away.next_message_at > now + timedelta(days=6)
    assert away.pk in [d.pk for d in follow_up.due(open_alice, away.next_message_at + timedelta(seconds=1))]

    # A second read stores nothing twice (the lane's slot is due again later).
    before = Message.objects.count()
    sandbox.control.reply("alice", first["public_id"], "unsubscribe", text="I said stop.")
    report = _sync(later, worker)
    assert report["new_messages"] == 1 and Message.objects.count() == before + 1
    report = _sync(later + timedelta(hours=2), worker)
    assert report["opened"] == 0 and Message.objects.count() == before + 1
    assert Thread.objects.filter(account=open_alice).count() == 3


def test_a_thread_in_an_unknown_markup_is_captured_and_pauses_the_inbox_lane(
    sandbox, campaign, open_alice, browser_worker
):
    worker = browser_worker("alice", env_extra={"BREAKER_THRESHOLD": "1"})
    [(ds, person)] = _connected_deals(sandbox, campaign, open_alice, 1)
    transitions.mark_completed(ds, open_alice, "Hello there")
    sandbox.control.reply("alice", person["public_id"], "interested")
    sandbox.control.set_faults(account="alice", thread_markup_changed=True)

    report = _sync(timezone.now(), worker)
    assert report["unreadable"] == 1 and Message.objects.count() == 0
    row = ActionLog.objects.get(account=open_alice, kind="inbox", outcome=ActionLog.Outcome.NOT_FOUND)
    assert row.capture and Path(row.capture).exists()
    assert LanePause.objects.get(account=open_alice, lane="inbox").reason == LanePauseReason.PAGE_CHANGED
    assert inbox.dispatch(timezone.now() + timedelta(hours=3), random.Random(1)) == []
    ds.refresh_from_db()
    assert ds.state == stages.COMPLETED  # nothing guessed from a page it could not read
