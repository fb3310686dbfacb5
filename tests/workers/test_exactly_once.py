"""Exactly once, with the real browser worker on the sandbox and production broker settings (no short
visibility timeout: a killed worker's task is never redelivered in time, its claim expires and the next
dispatch reads the live state).

The sandbox's faults open the windows: `slow_seconds` holds the worker inside its live pre-check (before
the send click); `after_delivery_seconds` holds it after the click, the message or invitation already
delivered; `deliver_then_fail_rate` delivers and then answers with an error.
"""

from __future__ import annotations

import random
from datetime import time as clock
from datetime import timedelta

import pytest
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.lanes import connect, follow_up
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import DealState
from openoutreach.pipeline import leads, stages, transitions
from openoutreach.testing.fixtures import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LEASE = {"ACCOUNT_LEASE_SECONDS": "4"}  # a dead worker's lease lapses sooner; the broker keeps its defaults


@pytest.fixture
def open_alice(alice):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    return alice


def _person(sandbox, relation: tuple[str, ...]) -> dict:
    """A public, unambiguous member whose relation to alice is one of `relation`."""
    return next(
        p for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and not p["namesake_of"]
        and p["relations"].get("alice") in relation
    )  # fmt: skip


def _deal(sandbox, campaign, alice, person) -> DealState:
    lead = leads.discover(profile_url(person["public_id"], sandbox.base_url), person["public_id"], alice).lead
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [lead.pk]}).get(timeout=180)
    return transitions.promote(lead, campaign, 0.9)


def _messages(sandbox, person) -> list[dict]:
    return [
        m for m in sandbox.control.snapshot()["messages"]
        if m["person"] == person["public_id"] and m["sender"] != "member"
    ]  # fmt: skip


def _invitations(sandbox, person) -> list[dict]:
    return [i for i in sandbox.control.snapshot()["invitations"] if i["person"] == person["public_id"]]


def _restart(browser_worker, redis_client, dead):
    """The dead worker's lease lapses (watched in Redis, not slept on); a new worker takes the account."""
    wait_for(lambda: not redis_client.exists("openoutreach:lease:account:alice"), "the lease to lapse", dead)
    return browser_worker("alice", name="browser-alice-restarted", env_extra=LEASE)


def _connected_deal(sandbox, campaign, alice):
    person = _person(sandbox, ("connected",))
    ds = _deal(sandbox, campaign, alice, person)
    return transitions.mark_already_connected(ds, alice), person


def test_kill_9_before_the_send_click_then_the_next_dispatch_sends_exactly_one_message(
    sandbox, campaign, open_alice, browser_worker, redis_client
):
    worker = browser_worker("alice", env_extra=LEASE)
    ds, person = _connected_deal(sandbox, campaign, open_alice)
    sandbox.control.set_faults(account="alice", slow_seconds=30)  # the live pre-check now takes 30 s

    now = timezone.now()
    [sent] = follow_up.dispatch(now, random.Random(0))
    dispatched = DealState.objects.get(pk=ds.pk).claimed_until
    wait_for(lambda: DealState.objects.get(pk=ds.pk).claimed_until != dispatched, "the task's claim", worker)
    worker.kill()  # inside the live pre-check: before phase one, before any click

    ds.refresh_from_db()
    assert ds.outward == "" and ds.state == stages.CONNECTED, "the kill came after phase one"
    assert _messages(sandbox, person) == []
    sandbox.control.clear_faults(account="alice")
    restarted = _restart(browser_worker, redis_client, worker)

    later = now + timedelta(hours=2)  # the claim (CLAIM_SECONDS) has expired, the slot is due again
    [again] = follow_up.dispatch(later, random.Random(1))
    assert again["task"] != sent["task"]

    wait_for(
        lambda: DealState.objects.get(pk=ds.pk).state == stages.COMPLETED, f"the follow-up {again}", restarted
    )
    assert len(_messages(sandbox, person)) == 1


def test_kill_9_after_the_send_click_then_the_next_dispatch_reads_the_thread_and_never_sends_again(
    sandbox, campaign, open_alice, browser_worker, redis_client
):
    worker = browser_worker("alice", env_extra=LEASE)
    ds, person = _connected_deal(sandbox, campaign, open_alice)
    sandbox.control.set_faults(account="alice", after_delivery_seconds=60)  # delivered, then the answer hangs

    now = timezone.now()
    follow_up.dispatch(now, random.Random(0))
    wait_for(lambda: _messages(sandbox, person), "the message to be delivered", worker)
    worker.kill()  # after the click: the message is out, the CRM does not know

    ds.refresh_from_db()
    assert ds.outward == "sending" and ds.state == stages.CONNECTED, "the kill came too late"
    sandbox.control.clear_faults(account="alice")
    restarted = _restart(browser_worker, redis_client, worker)

    follow_up.dispatch(now + timedelta(hours=2), random.Random(1))
    # The conversation shows our message: recorded as sent, without sending it again.
    wait_for(
        lambda: DealState.objects.get(pk=ds.pk).state == stages.COMPLETED, "the thread's answer", restarted
    )
    assert DealState.objects.get(pk=ds.pk).outward == ""
    assert follow_up.dispatch(now + timedelta(hours=4), random.Random(2)) == []
    assert len(_messages(sandbox, person)) == 1


def test_a_send_that_delivers_then_fails_is_read_from_the_thread_not_retried(
    sandbox, campaign, open_alice, browser_worker
):
    worker = browser_worker("alice")
    ds, person = _connected_deal(sandbox, campaign, open_alice)
    sandbox.control.set_faults(account="alice", deliver_then_fail_rate=1.0)

    now = timezone.now()
    follow_up.dispatch(now, random.Random(0))
    wait_for(lambda: DealState.objects.get(pk=ds.pk).state != stages.CONNECTED, "the outcome", worker)

    ds.refresh_from_db()
    assert ds.state == stages.COMPLETED and ds.outward == ""
    sandbox.control.clear_faults(account="alice")
    assert follow_up.dispatch(now + timedelta(hours=2), random.Random(1)) == []
    assert len(_messages(sandbox, person)) == 1


def test_a_send_that_failed_after_the_click_and_is_absent_from_the_thread_is_sent_once_later(
    sandbox, campaign, open_alice, browser_worker
):
    worker = browser_worker("alice")
    ds, person = _connected_deal(sandbox, campaign, open_alice)
    sandbox.control.type_by_hand("alice", person["public_id"], "Hi, catching up by hand.")  # a thread exists
    sandbox.control.set_faults(account="alice", message_error_rate=1.0)  # the toast after the click

    now = timezone.now()
    follow_up.dispatch(now, random.Random(0))
    wait_for(lambda: DealState.objects.get(pk=ds.pk).attempts == 1, "the failed send", worker)
    ds.refresh_from_db()
    assert ds.state == stages.CONNECTED and ds.outward == "", "read as not delivered: free to retry"
    assert len(_messages(sandbox, person)) == 1  # only the hand-typed one

    sandbox.control.clear_faults(account="alice")
    follow_up.dispatch(now + timedelta(hours=3), random.Random(1))
    wait_for(lambda: DealState.objects.get(pk=ds.pk).state == stages.COMPLETED, "the retried send", worker)
    assert len(_messages(sandbox, person)) == 2


def test_kill_9_after_the_invitation_then_the_next_dispatch_reads_it_as_pending(
    sandbox, campaign, open_alice, browser_worker, redis_client
):
    worker = browser_worker("alice", env_extra=LEASE)
    person = _person(sandbox, ("DISTANCE_2", "DISTANCE_3"))
    ds = _deal(sandbox, campaign, open_alice, person)
    sandbox.control.set_faults(account="alice", after_delivery_seconds=60)

    now = timezone.now()
    connect.dispatch(now, random.Random(0))
    wait_for(lambda: _invitations(sandbox, person), "the invitation", worker)
    worker.kill()

    ds.refresh_from_db()
    assert ds.outward == "sending" and ds.state == stages.NEW, "the kill came too late"
    sandbox.control.clear_faults(account="alice")
    restarted = _restart(browser_worker, redis_client, worker)

    [again] = connect.dispatch(now + timedelta(hours=3), random.Random(1))  # claim expired, slot due
    assert again["deal_state"] == ds.pk
    wait_for(lambda: DealState.objects.get(pk=ds.pk).state == stages.PENDING, "the live read", restarted)
    assert len(_invitations(sandbox, person)) == 1
    # the worker logs the task's result after its transaction committed: wait for the line, not a moment
    wait_for(lambda: "already_pending" in restarted.log_tail(200), "the task's result in the log", restarted)
