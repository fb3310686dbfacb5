"""Dispatchers claim the right work once, enqueue it on the account's queue, and respect every gate."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection

from openoutreach.lanes import campaigns as campaign_choice
from openoutreach.lanes import check_pending, connect, enrich
from openoutreach.outreach.models import DealState, Lane, LanePauseReason, LinkedInProfile
from openoutreach.pipeline import leads, stages, transitions
from openoutreach.pipeline.campaigns import create_campaign, join
from openoutreach.testing.fixtures import make_account

NOON = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday, inside 09:00-17:00 UTC


def person(i: int):
    url = f"https://www.linkedin.com/in/person-{i}/"
    return leads.discover(url, f"person-{i}").lead


def promoted(campaign, i: int, score=None) -> DealState:
    return transitions.promote(person(i), campaign, score)


def queued(redis_client, queue: str) -> list[dict]:
    out = []
    for raw in redis_client.lrange(queue, 0, -1):
        message = json.loads(raw)
        out.append(
            {
                "task": message["headers"]["task"],
                "kwargs": json.loads(__import__("base64").b64decode(message["body"]))[1],
            }
        )
    return out


@pytest.fixture
def always_open(alice):
    alice.working_hours_start, alice.working_hours_end = time(0), time(23, 59)
    alice.save()
    return alice


def test_connect_claims_the_best_scored_new_deal_and_sends_it_to_the_accounts_queue(
    campaign, always_open, redis_client
):
    low, best, unscored = promoted(campaign, 1, 0.2), promoted(campaign, 2, 0.9), promoted(campaign, 3)

    sent = connect.dispatch(NOON, random.Random(0))

    assert [s["deal_state"] for s in sent] == [best.pk]
    best.refresh_from_db()
    assert best.account == always_open and best.claimed_until > NOON and best.claim_task_id == sent[0]["task"]
    assert queued(redis_client, "browser.alice") == [
        {"task": "browser.connect", "kwargs": {"account": "alice", "deal_state_id": best.pk}}
    ]
    assert connect.dispatch(NOON, random.Random(0)) == []  # the slot is spent: pacing, not a burst
    assert {low.pk, unscored.pk} == {ds.pk for ds in connect.candidates(always_open, campaign, NOON)}


def test_unscored_deals_go_oldest_first(campaign, always_open, redis_client):
    first, second = promoted(campaign, 1), promoted(campaign, 2)
    DealState.objects.filter(pk=second.pk).update(created_at=first.created_at - timedelta(hours=1))
    assert connect.dispatch(NOON, random.Random(0))[0]["deal_state"] == second.pk


def test_no_connect_outside_hours_over_the_cap_or_during_a_weekly_limit_pause(campaign, alice, redis_client):
    promoted(campaign, 1, 0.5)
    assert connect.dispatch(datetime(2026, 6, 3, 6, 0, tzinfo=UTC), random.Random(0)) == []  # 06:00: closed
    alice.pause_lane(Lane.CONNECT, LanePauseReason.WEEKLY_LIMIT, until=NOON + timedelta(days=2))
    assert connect.dispatch(NOON, random.Random(0)) == []
    alice.resume_lane(Lane.CONNECT)
    alice.connect_daily_limit = 0
    alice.save()
    assert connect.dispatch(NOON, random.Random(0)) == []
    alice.connect_daily_limit = 5
    alice.save()
    assert len(connect.dispatch(NOON, random.Random(0))) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_one_invitation(workspace, campaign, always_open, redis_client):
    for i in range(5):
        promoted(campaign, i, 0.5)
    results: list[list[dict]] = []
    barrier = threading.Barrier(2)

    def beat(seed: int) -> None:
        barrier.wait()
        try:
            results.append(connect.dispatch(NOON, random.Random(seed)))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r) for r in results) == 1
    assert len(queued(redis_client, "browser.alice")) == 1


def test_one_person_in_two_campaigns_of_a_workspace_is_contacted_once(campaign, always_open, redis_client):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    bob = make_account("bob", other)
    bob.working_hours_start, bob.working_hours_end = time(0), time(23, 59)
    bob.save()
    lead = person(7)
    in_a, in_b = transitions.promote(lead, campaign, 0.9), transitions.promote(lead, other, 0.9)

    assert [s["deal_state"] for s in connect.dispatch(NOON, random.Random(0))] == [in_a.pk]
    assert list(connect.candidates(bob, other, NOON)) == []  # being contacted by alice

    transitions.mark_pending(in_a, always_open, 24)
    closed = transitions.close_other_campaigns(in_a)
    in_b.refresh_from_db()
    assert closed == 1 and in_b.state == stages.FAILED
    assert connect.dispatch(NOON + timedelta(hours=2), random.Random(0)) == []


def test_partner_campaigns_run_with_their_action_fraction(campaign, alice):
    partner = create_campaign(
        "partner", "Partner product", "Partner market", is_partner=True, action_fraction=0.3
    )
    join(alice, partner)
    rng = random.Random(42)
    draws = [campaign_choice.choose([campaign, partner], rng) for _ in range(4000)]
    partner_share = sum(partner in d for d in draws) / len(draws)
    regular_share = sum(campaign in d for d in draws) / len(draws)
    assert 0.27 < partner_share < 0.33
    assert 0.67 < regular_share < 0.73  # regular ticks give way by the largest partner fraction


def test_check_pending_claims_only_due_deals_in_a_bounded_batch(
    campaign, always_open, redis_client, settings
):
    settings.CHECK_PENDING_BATCH = 3
    deals = [promoted(campaign, i) for i in range(5)]
    for ds in deals:
        transitions.mark_pending(ds, always_open, 24)
    DealState.objects.filter(pk__in=[d.pk for d in deals[:4]]).update(
        next_check_at=NOON - timedelta(minutes=1)
    )

    first = check_pending.dispatch(NOON)
    second = check_pending.dispatch(NOON)

    assert len(first[0]["deal_states"]) == 3 and len(second[0]["deal_states"]) == 1
    assert check_pending.dispatch(NOON) == []  # the fifth is not due, the others are claimed


def test_enrich_sends_a_capped_batch_and_waits_out_a_throttle(always_open, redis_client, settings):
    settings.ENRICH_BATCH = 2
    for i in range(5):
        person(i)
    always_open.pause_lane(Lane.ENRICH, LanePauseReason.THROTTLED, until=NOON + timedelta(minutes=30))
    assert enrich.dispatch(NOON, random.Random(0)) == []
    assert always_open.may_act(Lane.ENRICH, NOON + timedelta(minutes=31)) == (True, "")  # it runs out
    always_open.resume_lane(Lane.ENRICH)

    sent = enrich.dispatch(NOON, random.Random(0))

    assert len(sent) == 1 and len(sent[0]["lead_ids"]) == 2
    assert LinkedInProfile.objects.filter(enrich_claimed_until__gt=NOON).count() == 2


def test_gap_fillers_wait_for_an_idle_browser_and_outward_lanes_keep_a_short_line(
    campaign, always_open, redis_client, settings
):
    for i in range(4):
        person(i)
    promoted(campaign, 9, 0.9)
    redis_client.rpush("browser.alice", "a task already waiting")

    assert enrich.dispatch(NOON, random.Random(0)) == []  # the browser is busy: no gap filling
    assert len(connect.dispatch(NOON, random.Random(0))) == 1  # an invitation still gets in line
    redis_client.rpush("browser.alice", "another", "and another")
    later = NOON + timedelta(hours=3)
    promoted(campaign, 10, 0.8)
    assert connect.dispatch(later, random.Random(0)) == []  # four waiting: even outward lanes hold back


def test_the_operators_own_picks_become_deals_once_enriched(campaign, redis_client):
    from django.utils import timezone as tz

    from openoutreach.lanes import qualify
    from openoutreach.outreach.models import Qualification

    lead = person(1)
    Qualification.objects.create(campaign=campaign, lead=lead, label=1, source="operator", reason="imported")
    qualify.dispatch(NOON)
    assert not DealState.objects.filter(lead=lead).exists()  # not enriched yet: nothing to contact

    LinkedInProfile.objects.filter(lead=lead).update(enriched_at=tz.now())
    sent = qualify.dispatch(NOON)
    assert {"campaign": campaign.pk, "operator_picks_promoted": 1} in sent
    assert DealState.objects.get(lead=lead).state == stages.NEW
    assert qualify.promote_operator_picks(campaign) == 0  # once


def test_the_qualify_lane_sends_no_run_while_one_waits_for_the_ml_worker(campaign, redis_client):
    """A draft must not queue behind a line of qualify runs: at most one waits in the ML queue."""
    from django.utils import timezone as tz

    from openoutreach.lanes import qualify

    LinkedInProfile.objects.filter(lead=person(1)).update(enriched_at=tz.now())
    first = qualify.dispatch(NOON)
    assert [s["campaign"] for s in first if "task" in s] == [campaign.pk]
    assert len(queued(redis_client, "ml")) == 1

    assert qualify.dispatch(NOON) == []  # one run already waits
    redis_client.delete("ml")  # the ML worker took it
    assert [s["campaign"] for s in qualify.dispatch(NOON) if "task" in s] == [campaign.pk]
