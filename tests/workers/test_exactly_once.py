"""A connect task redelivered after its worker was killed mid-task never sends a second invitation."""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import time as clock

import pytest
from django.db import connection
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.lanes import connect
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import DealState
from openoutreach.pipeline import leads, stages, transitions

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FAST_RECOVERY = {"BROKER_VISIBILITY_TIMEOUT": "8", "ACCOUNT_LEASE_SECONDS": "4"}


def test_kill_9_during_a_connect_then_restart_leaves_exactly_one_invitation(
    sandbox, campaign, alice, browser_worker
):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    worker = browser_worker("alice", env_extra=FAST_RECOVERY)
    target = next(
        p for p in sandbox.control.people(limit=200) if not p["private"] and not p["is_account"] and not p["namesake_of"]
        and p["relations"].get("alice") != 1
    )  # fmt: skip
    lead = leads.discover(profile_url(target["public_id"], sandbox.base_url), target["public_id"], alice).lead
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [lead.pk]}).get(timeout=180)
    ds = transitions.promote(lead, campaign, 0.9)

    sandbox.control.set_faults(account="alice", slow_seconds=2)  # alice's pages and calls: 2 s each
    [sent] = connect.dispatch(timezone.now(), random.Random(0))
    dispatched_claim = DealState.objects.get(pk=ds.pk).claimed_until
    deadline = time.monotonic() + 120
    while DealState.objects.get(pk=ds.pk).claimed_until == dispatched_claim:  # the task took its claim
        assert time.monotonic() < deadline, worker.log_tail()
        time.sleep(0.05)
    # Freeze the worker between the click and its CRM write: hold the database's write lock.
    lock = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    lock.execute("BEGIN IMMEDIATE")
    try:
        while not any(i["person"] == target["public_id"] for i in sandbox.control.snapshot()["invitations"]):
            assert time.monotonic() < deadline, worker.log_tail()
            time.sleep(0.1)
        time.sleep(1)  # let it reach the write it cannot make
        worker.kill()  # the invitation is out; the CRM write is not
    finally:
        lock.rollback()
        lock.close()
    ds.refresh_from_db()
    assert ds.state == stages.NEW, "the kill came too late to test a redelivery"
    sandbox.control.clear_faults(account="alice")

    time.sleep(float(FAST_RECOVERY["ACCOUNT_LEASE_SECONDS"]) + 1)  # the dead worker's lease lapses
    restarted = browser_worker("alice", name="browser-alice-restarted", env_extra=FAST_RECOVERY)

    deadline = time.monotonic() + 120
    while DealState.objects.get(pk=ds.pk).state != stages.PENDING:
        assert time.monotonic() < deadline, "the redelivered task did not run"
        time.sleep(0.5)
    invitations = [i for i in sandbox.control.snapshot()["invitations"] if i["person"] == target["public_id"]]
    assert len(invitations) == 1
    # It was the same task, redelivered, that found the invitation already out and clicked nothing.
    assert f"browser.connect[{sent['task']}] succeeded" in restarted.log_tail(200)
    assert "'detail': 'already_pending'" in restarted.log_tail(200)
