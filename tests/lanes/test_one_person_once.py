"""One person is contacted once per workspace, even when two accounts' dispatchers race for them.

alice works for campaign "devops", bob for "healthcare"; the same people are New deals in both. Each
round runs both dispatchers in threads held at a barrier right after `candidates()`, so both have read
the same free person before either claims: the database alone decides who gets them.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from openoutreach.lanes import connect
from openoutreach.outreach.models import DealState, LaneSlot, PersonClaim
from openoutreach.pipeline import claims, leads, stages, transitions
from openoutreach.pipeline.campaigns import create_campaign
from openoutreach.testing.fixtures import make_account, open_all_day

MONDAY = datetime(2026, 6, 1, 0, 30, tzinfo=UTC)
PEOPLE = 6

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_people(campaign, alice, redis_client):
    """alice (devops) and bob (healthcare) with the same PEOPLE as New deals in both campaigns, ranked
    alike, so both dispatchers want the same person first."""
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    bob = open_all_day(make_account("bob", other))
    open_all_day(alice)
    for i in range(PEOPLE):
        lead = leads.discover(f"https://www.linkedin.com/in/shared-{i}/", f"shared-{i}").lead
        transitions.promote(lead, campaign, 1.0 - i / 10)
        transitions.promote(lead, other, 1.0 - i / 10)
    return alice, bob


def race(accounts, now: datetime, barrier: threading.Barrier) -> list[dict]:
    """Both dispatchers at once, each stopped after reading its candidates until the other has too."""
    results: list[dict] = []
    errors: list[BaseException] = []

    def run(account, seed: int) -> None:
        try:
            sent = connect.dispatch_account(account, now, random.Random(seed))
            if sent:
                results.append(sent)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a, n)) for n, a in enumerate(accounts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_racing_dispatchers_of_two_accounts_invite_each_person_exactly_once(
    shared_people, redis_client, monkeypatch
):
    alice, bob = shared_people
    barrier = threading.Barrier(2, timeout=60)
    real_candidates = connect.candidates

    def candidates_then_wait(account, campaign, now, limit=connect.CANDIDATES):
        found = real_candidates(account, campaign, now, limit)
        barrier.wait()  # the racy point: both have read the same free people, neither has claimed
        return found

    monkeypatch.setattr(connect, "candidates", candidates_then_wait)
    dispatched: list[dict] = []
    now = MONDAY + timedelta(hours=10)
    for round_ in range(3 * PEOPLE):
        barrier.reset()
        redis_client.delete("browser.alice", "browser.bob")  # no worker consumes here: keep the line short
        # The thread that reaches the barrier last runs on and tends to claim first (on PostgreSQL, under
        # load, bob won every round when he always started second): the start order alternates, the
        # database still decides each race.
        sent = race([alice, bob] if round_ % 2 else [bob, alice], now, barrier)
        dispatched += sent
        # Nobody holds a person twice, and the two accounts never hold the same person.
        held = PersonClaim.objects.filter(claims.held(now))
        assert (
            held.count()
            == len({c.lead_id for c in held})
            == DealState.objects.filter(claims.held(now)).count()
        )
        if len(dispatched) == PEOPLE:
            break
        LaneSlot.objects.all().delete()  # both slots due again at the same instant: every claim still held

    people = [DealState.objects.get(pk=s["deal_state"]).lead_id for s in dispatched]
    assert len(people) == len(set(people)) == PEOPLE, "each person exactly once, across both accounts"
    assert {s["account"] for s in dispatched} == {"alice", "bob"}, "both accounts got work"


def test_a_person_contacted_through_one_campaign_is_never_claimed_by_another(shared_people, redis_client):
    alice, bob = shared_people
    [sent] = [connect.dispatch_account(alice, MONDAY, random.Random(0))]
    ds = DealState.objects.get(pk=sent["deal_state"])
    transitions.mark_pending(ds, alice, 24)  # the invitation went out (no close_other_campaigns call)
    twin = DealState.objects.get(lead_id=ds.lead_id, campaign__department__name="healthcare")

    later = MONDAY + timedelta(days=2)
    assert not claims.take_deal(twin, "bob-task", later, state=stages.NEW, outward=True, account=bob)
    assert twin.pk not in {d.pk for d in connect.candidates(bob, twin.campaign, later)}


def test_a_deal_left_sending_keeps_its_person_after_its_claim_expired(shared_people, redis_client):
    alice, bob = shared_people
    sent = connect.dispatch_account(alice, MONDAY, random.Random(0))
    ds = DealState.objects.get(pk=sent["deal_state"])
    # The worker reached phase one, then died (its claim is still live while it marks).
    DealState.objects.filter(pk=ds.pk).update(claimed_until=datetime.now(UTC) + timedelta(minutes=5))
    PersonClaim.objects.filter(lead_id=ds.lead_id).update(
        claimed_until=datetime.now(UTC) + timedelta(minutes=5)
    )
    assert claims.mark_sending(ds, sent["task"])
    twin = DealState.objects.get(lead_id=ds.lead_id, campaign__department__name="healthcare")

    much_later = datetime.now(UTC) + timedelta(days=1)
    claims.release_expired(much_later)
    ds.refresh_from_db()
    assert ds.outward == "sending", "housekeeping never clears a send whose outcome is unknown"
    assert not claims.take_deal(twin, "bob-task", much_later, state=stages.NEW, outward=True, account=bob)
    # Its own deal may take it again: the next task resolves the unknown send from the live state.
    assert claims.take_deal(ds, "alice-again", much_later, state=stages.NEW, outward=True, account=alice)
