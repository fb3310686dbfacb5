"""A profile is fetched by one enrichment task only: the task that holds its claim.

The enrich lane claims each profile before it sends the batch, but the task used to read its list once,
never renew the claims, and release all of them at the end, whoever held them by then. A task that
started after its claims ran out (a busy browser queue, a worker restart) could then fetch a profile
another account's task had claimed meanwhile, two accounts viewing one person, and free that task's
claim for a third. Now a claim carries its task's id; the task renews it right before each fetch and
gives back only its own, and a worker that turns the task down gives its claims back at once.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from celery.result import AsyncResult
from django.conf import settings
from django.utils import timezone

from openoutreach.lanes import enrich
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import LinkedInProfile
from openoutreach.pipeline import claims, leads
from openoutreach.testing.fixtures import closed_for_two_hours, open_all_day


def discovered(sandbox, account, n: int) -> list[tuple[int, str]]:
    """(lead id, public id) of `n` sandbox people the account discovered."""
    people = sandbox.control.people(limit=n)[:n]
    return [
        (leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], account).lead.pk, p["public_id"])
        for p in people
    ]  # fmt: skip


def holders(lead_ids: list[int], now) -> dict[int, str]:
    """Who holds each profile's claim at `now` ('' when nobody does)."""
    rows = LinkedInProfile.objects.filter(lead_id__in=lead_ids)
    held = dict(
        rows.filter(claims.held(now, "enrich_claimed_until")).values_list("lead_id", "enrich_claim_task_id")
    )
    return {i: held.get(i, "") for i in lead_ids}  # fmt: skip


def held_any(lead_ids: list[int], now) -> bool:
    return (
        LinkedInProfile.objects.filter(lead_id__in=lead_ids)
        .filter(claims.held(now, "enrich_claimed_until"))
        .exists()
    )


def test_the_lane_claims_each_profile_for_the_task_it_sends(sandbox, alice, bob, redis_client):
    open_all_day(alice)
    open_all_day(bob)
    ids = [i for i, _ in discovered(sandbox, alice, 4)]
    now = timezone.now()
    sent = enrich.dispatch(now, random.Random(1))
    tasks = {i: s["task"] for s in sent for i in s["lead_ids"]}
    assert len({s["task"] for s in sent}) == len(sent) == 2 and len(tasks) == 4, sent
    assert holders(ids, now) == tasks
    # A task that is not the holder gives nothing back; a holder gives back its own claims, no other's.
    claims.release_profiles(ids, "another-task")
    assert holders(ids, now) == tasks
    first, second = sent
    claims.release_profiles(ids, first["task"])
    assert holders(ids, now) == {i: ("" if t == first["task"] else t) for i, t in tasks.items()}


@pytest.mark.slow
@pytest.mark.browser
def test_a_late_task_fetches_only_the_profiles_it_still_holds(sandbox, alice, browser_worker):
    """The task starts after its claims ran out and another task took one of its profiles: the real
    worker fetches the others (the sandbox's request log), skips that one and leaves its claim alone."""
    open_all_day(alice)
    people = discovered(sandbox, alice, 3)
    ids = [i for i, _ in people]
    now = timezone.now()
    [sent] = enrich.dispatch(now, random.Random(2))
    assert sorted(sent["lead_ids"]) == sorted(ids)
    # The claims ran out before the worker took the task; another task claimed the first profile.
    later = now + timedelta(seconds=settings.CLAIM_SECONDS + 1)
    (taken, taken_public), rest = people[0], people[1:]
    assert claims.take_profiles([taken], "another-task", later) == [taken]

    browser_worker("alice")
    report = AsyncResult(sent["task"]).get(timeout=240)

    visited = {
        r["path"].rstrip("/") for r in sandbox.control.request_log("alice") if r["path"].startswith("/in/")
    }
    assert f"/in/{taken_public}" not in visited, "the profile another task holds was fetched"
    assert {f"/in/{p}" for _, p in rest} <= visited
    assert LinkedInProfile.objects.get(lead_id=taken).enriched_at is None
    assert report["skipped"] == [taken]
    assert sorted(report["enriched"]) == sorted(i for i, _ in rest)
    # The other task's claim outlives this task's end (it was not given back on its behalf).
    assert holders([taken], later) == {taken: "another-task"}
    assert not held_any([i for i, _ in rest], timezone.now())


@pytest.mark.slow
@pytest.mark.browser
def test_a_task_the_worker_turns_down_gives_its_profiles_back(sandbox, alice, browser_worker):
    """Sent within working hours, taken by the worker outside them: it views nobody, and the profiles
    are free at once for the next batch, not after the claim time."""
    open_all_day(alice)
    ids = [i for i, _ in discovered(sandbox, alice, 2)]
    [sent] = enrich.dispatch(timezone.now(), random.Random(3))
    closed_for_two_hours(alice)

    browser_worker("alice")
    report = AsyncResult(sent["task"]).get(timeout=240)

    assert report == {"skipped": "outside working hours (re-checked in the worker)"}
    assert not held_any(ids, timezone.now()), "the refused task's profiles were not given back"
    assert not [r for r in sandbox.control.request_log("alice") if r["path"].startswith("/in/")]
