"""Withdrawing stale invitations with the real browser worker on the sandbox: only invitations older than
the campaign's `withdraw_after_days`, the oldest first, at most the account's daily withdrawal cap; the
deal closes as "Invitation withdrawn"; nobody is invited again inside LinkedIn's three-week block; and a
withdrawal interrupted after its click is resolved from the live state, never clicked twice."""

from __future__ import annotations

import random
from datetime import time as clock
from datetime import timedelta

import httpx
import pytest
from crm.models import Deal
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.lanes import connect, withdraw
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog, DealState, LaneSlot
from openoutreach.pipeline import leads, stages, transitions
from openoutreach.pipeline.withdrawal import REINVITE_BLOCK_DAYS
from openoutreach.testing.fixtures import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LEASE = {"ACCOUNT_LEASE_SECONDS": "4"}
HANG_SECONDS = 20
INVITE = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"
WITHDRAW_API = "/voyager/api/voyagerRelationshipsDashInvitations"


@pytest.fixture
def open_alice(alice):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.withdraw_daily_limit = 2
    alice.save()
    return alice


def pending_deals(sandbox, campaign, alice, ages_days: list[float]) -> list[tuple[DealState, dict]]:
    """Deals whose invitations alice really sent (in the sandbox), recorded as sent `ages_days` ago."""
    people = [
        p for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and not p["namesake_of"]
        and p["relations"].get("alice") in ("DISTANCE_2", "DISTANCE_3")
    ][: len(ages_days)]  # fmt: skip
    member = httpx.Client(base_url=sandbox.base_url, timeout=10)
    member.post("/login", data={"session_key": "alice@sandbox.test", "session_password": "alice-pass"})
    member.headers["csrf-token"] = member.cookies["JSESSIONID"].strip('"')
    found = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead
        for p in people
    ]
    app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": [x.pk for x in found]}).get(
        timeout=300
    )
    deals = []
    for person, lead, age in zip(people, found, ages_days, strict=True):
        invite = {"invitee": {"inviteeUnion": {"memberProfile": person["urn"]}}}
        assert member.post(INVITE, json=invite).status_code == 201
        ds = transitions.mark_pending(transitions.promote(lead, campaign, 0.9), alice, 24 * 30)
        DealState.objects.filter(pk=ds.pk).update(contacted_at=timezone.now() - timedelta(days=age))
        deals.append((DealState.objects.get(pk=ds.pk), person))
    member.close()
    return deals


def statuses(sandbox, person) -> list[str]:
    return [
        i["status"] for i in sandbox.control.snapshot()["invitations"]
        if i["account"] == "alice" and i["person"] == person["public_id"]
    ]  # fmt: skip


def withdraw_posts(sandbox) -> int:
    return sum(
        1 for e in sandbox.control.request_log("alice") if e["path"] == WITHDRAW_API and e["method"] == "POST"
    )


def slot_free() -> None:
    """Pacing is tested elsewhere: here every dispatch may take the slot."""
    LaneSlot.objects.filter(lane="withdraw").update(next_at=timezone.now() - timedelta(days=1))


def closing(ds: DealState) -> str | None:
    deal = Deal.objects.select_related("closing_reason").get(pk=ds.deal_id)
    return deal.closing_reason.name if deal.closing_reason else None


def test_stale_invitations_are_withdrawn_oldest_first_within_the_daily_cap(
    sandbox, campaign, open_alice, browser_worker
):
    worker = browser_worker("alice")
    (oldest, p1), (old, p2), (stale, p3), (young, p4) = pending_deals(
        sandbox, campaign, open_alice, [40, 30, 22, 5]
    )
    assert campaign.withdraw_after_days == 21

    for expected in (oldest, old):
        slot_free()
        [sent] = withdraw.dispatch(timezone.now(), random.Random(0))
        assert sent["deal_state"] == expected.pk
        wait_for(
            lambda e=expected: DealState.objects.get(pk=e.pk).state == stages.FAILED, "the withdrawal", worker
        )
    slot_free()
    assert withdraw.dispatch(timezone.now(), random.Random(1)) == []  # 2 today: the cap is reached

    assert (statuses(sandbox, p1), statuses(sandbox, p2)) == (["withdrawn"], ["withdrawn"])
    assert (statuses(sandbox, p3), statuses(sandbox, p4)) == (["pending"], ["pending"])
    for ds in (oldest, old):
        ds.refresh_from_db()
        assert closing(ds) == stages.Closing.INVITATION_WITHDRAWN
        assert ds.withdrawn_at is not None and ds.withdrawals == 1 and ds.outward == ""
    assert ActionLog.objects.filter(account=open_alice, kind="withdraw", outcome="ok").count() == 2
    assert withdraw_posts(sandbox) == 2
    # a withdrawal gives nothing back to the weekly allowance: the original invitations still count
    assert DealState.objects.get(pk=young.pk).state == stages.PENDING


def test_no_reinvite_inside_the_three_week_block(sandbox, campaign, open_alice, browser_worker):
    worker = browser_worker("alice")
    campaign.reinvite_after_withdrawal = True
    campaign.save()
    [(ds, person)] = pending_deals(sandbox, campaign, open_alice, [25])
    slot_free()
    withdraw.dispatch(timezone.now(), random.Random(0))
    wait_for(lambda: DealState.objects.get(pk=ds.pk).state == stages.FAILED, "the withdrawal", worker)
    ds.refresh_from_db()
    block_ends = ds.withdrawn_at + timedelta(days=REINVITE_BLOCK_DAYS)

    assert withdraw.reopen(block_ends - timedelta(minutes=1)) == []  # still inside the block
    assert DealState.objects.get(pk=ds.pk).state == stages.FAILED

    # Moved back to New by hand inside the block: the connect lane does not pick the person...
    DealState.objects.filter(pk=ds.pk).update(state=stages.NEW)
    assert connect.candidates(open_alice, campaign, timezone.now()) == []
    # ...and a connect task sent anyway is refused by the worker, nothing reaches LinkedIn.
    result = app.send_task("browser.connect", kwargs={"account": "alice", "deal_state_id": ds.pk}).get(
        timeout=180
    )
    assert result["result"] == "skipped" and "blocks a new one" in result["detail"]
    assert statuses(sandbox, person) == ["withdrawn"]
    DealState.objects.filter(pk=ds.pk).update(state=stages.FAILED)

    # After the block the campaign's re-invite setting gives the deal back to New, once.
    after = block_ends + timedelta(minutes=1)
    assert withdraw.reopen(after) == [ds.pk]
    ds.refresh_from_db()
    assert ds.state == stages.NEW and closing(ds) is None
    assert [c.pk for c in connect.candidates(open_alice, campaign, after)] == [ds.pk]
    assert withdraw.reopen(after) == []


def test_a_withdrawal_interrupted_after_the_click_is_read_from_the_live_state_not_clicked_again(
    sandbox, campaign, open_alice, browser_worker, redis_client
):
    worker = browser_worker("alice", env_extra=LEASE)
    [(ds, person)] = pending_deals(sandbox, campaign, open_alice, [30])
    # Withdrawn, then the answer hangs: long enough for the kill below to land first (the kill follows
    # the click by one poll; "the kill came too late" says so if it ever does not), short enough that the
    # hung request's log entry, awaited at the end, does not cost the test a minute.
    sandbox.control.set_faults(account="alice", after_delivery_seconds=HANG_SECONDS)

    now = timezone.now()
    slot_free()
    withdraw.dispatch(now, random.Random(0))
    wait_for(lambda: statuses(sandbox, person) == ["withdrawn"], "the withdrawal to happen", worker)
    worker.kill()  # after the click: LinkedIn withdrew it, the CRM does not know

    ds.refresh_from_db()
    assert ds.outward == "sending" and ds.state == stages.PENDING, "the kill came too late"
    sandbox.control.clear_faults(account="alice")
    wait_for(
        lambda: not redis_client.exists("openoutreach:lease:account:alice"), "the lease to lapse", worker
    )
    restarted = browser_worker("alice", name="browser-alice-restarted", env_extra=LEASE)

    slot_free()
    [again] = withdraw.dispatch(now + timedelta(hours=2), random.Random(1))  # the claim has expired
    assert again["deal_state"] == ds.pk
    wait_for(lambda: DealState.objects.get(pk=ds.pk).state == stages.FAILED, "the live read", restarted)
    ds.refresh_from_db()
    assert closing(ds) == stages.Closing.INVITATION_WITHDRAWN and ds.outward == ""
    # The hung answer is logged when it ends; a second click (none) would be logged at once.
    wait_for(lambda: withdraw_posts(sandbox) >= 1, "the first click's log entry", timeout=120)
    assert withdraw_posts(sandbox) == 1  # one click, ever
    assert statuses(sandbox, person) == ["withdrawn"]
