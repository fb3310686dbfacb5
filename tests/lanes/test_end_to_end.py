"""From an empty CRM with one campaign on a sandbox scenario: keywords -> search -> enrich -> qualify ->
Pending -> Connected -> Completed, through the lanes' own dispatchers and real browser and ML workers;
the sandbox's record agrees with the CRM at the end."""

from __future__ import annotations

import random
from datetime import time as clock
from datetime import timedelta

import pytest
from django.utils import timezone

from openoutreach.lanes import check_pending, connect, enrich, follow_up, qualify, search
from openoutreach.outreach.models import DealState, LinkedInProfile, Qualification, SearchKeyword
from openoutreach.pipeline import stages
from openoutreach.testing.fixtures import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_campaign_flows_from_an_empty_crm_to_completed_follow_ups(
    sandbox, campaign, alice, browser_worker, start_worker, redis_client, settings
):
    llm = {"LLM_API_BASE": f"{sandbox.base_url}/v1", "LLM_API_KEY": "sandbox", "AI_MODEL": "sandbox-model"}
    settings.LLM_API_KEY, settings.ENRICH_BATCH = "sandbox", 8
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    campaign.min_qualifiable_leads = 10
    campaign.save()
    browser = browser_worker("alice")
    ml = start_worker(["ml"], "ml", env_extra=llm)
    rng, now = random.Random(5), timezone.now()
    step = lambda hours: now + timedelta(hours=hours)  # noqa: E731  (slots are hours apart: pace, not bursts)

    search.dispatch(step(0), rng)  # no keyword yet: the ML worker is asked for some
    wait_for(
        lambda: SearchKeyword.objects.filter(campaign=campaign).exists(), "keywords from the LLM", ml, 120
    )
    search.dispatch(step(1), rng)
    wait_for(lambda: LinkedInProfile.objects.count() >= 10, "people discovered by search", browser, 180)

    hour = 2
    while not DealState.objects.filter(campaign=campaign).exists():
        assert hour < 14, "no qualified lead after six enrichment rounds"
        enrich.dispatch(step(hour), rng)
        wait_for(lambda: not redis_client.llen("browser.alice") and not LinkedInProfile.objects.filter(
            enrich_claimed_until__isnull=False).exists(), "an enrichment batch", browser)  # fmt: skip
        qualify.dispatch(step(hour))
        wait_for(lambda: not LinkedInProfile.objects.filter(enriched_at__isnull=False).exclude(
            lead__qualifications__campaign=campaign).exists(), "qualification of the enriched", ml)  # fmt: skip
        hour += 2
    for q in Qualification.objects.filter(campaign=campaign, label__isnull=False):
        truth = sandbox.control.person(q.lead.linkedin.public_identifier)
        assert q.label == int(truth["fit"]), (
            f"{q.lead.linkedin.public_identifier}: label {q.label}, truth {truth['fit']}"
        )

    accepted: set[str] = set()
    while not accepted:
        assert hour < 40, "no invitation was accepted"
        if not connect.dispatch(step(hour), rng):
            break  # no New deal left
        wait_for(
            lambda: not DealState.objects.filter(state=stages.NEW, claimed_until__isnull=False).exists(),
            "an invitation",
            browser,
            120,
        )
        sandbox.control.advance(10 * 24 * 3600)
        accepted = {i["person"] for i in sandbox.control.snapshot()["acceptances"]}
        hour += 2
    DealState.objects.filter(state=stages.PENDING).update(next_check_at=step(hour - 1))
    check_pending.dispatch(step(hour))
    wait_for(
        lambda: not DealState.objects.filter(state=stages.PENDING, claimed_until__isnull=False).exists(),
        "checks",
        browser,
    )
    connected = set(
        DealState.objects.filter(state=stages.CONNECTED).values_list(
            "lead__linkedin__public_identifier", flat=True
        )
    )
    assert connected == accepted

    for i, _ in enumerate(connected):
        assert follow_up.dispatch(step(hour + 2 + 2 * i), rng)
        wait_for(
            lambda n=i + 1: DealState.objects.filter(state=stages.COMPLETED).count() == n,
            "a follow-up",
            browser,
        )

    snapshot = sandbox.control.snapshot()
    invited = {i["person"] for i in snapshot["invitations"]}
    in_crm = set(DealState.objects.exclude(state=stages.NEW).exclude(state=stages.FAILED)
                 .values_list("lead__linkedin__public_identifier", flat=True))  # fmt: skip
    assert invited == in_crm
    messaged = {m["person"] for m in snapshot["messages"] if m["sender"] != "member"}
    completed = set(
        DealState.objects.filter(state=stages.COMPLETED).values_list(
            "lead__linkedin__public_identifier", flat=True
        )
    )
    assert messaged == completed == accepted and completed
