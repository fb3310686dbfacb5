"""A search page of a campaign keyword is fetched once: never queued again while it is in flight.

A make demo run fetched page 1 twice: the search lane's slot was due again (its pace is short at the
demo's clock) while the first fetch still ran, and the keyword only records a page once its search is
in, so the lane chose page 1 again. A second account of the campaign, on its own slot, did the same.
Only a page whose task failed is chosen again.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from celery.result import AsyncResult
from django.utils import timezone

from openoutreach.lanes import search
from openoutreach.outreach.models import ActionLog, SearchKeyword
from openoutreach.pipeline import claims
from openoutreach.testing.fixtures import closed_for_two_hours, open_all_day, wait_for

KEYWORD = "devops manager"


@pytest.fixture
def hungry(campaign):
    """The campaign wants far more leads than a few pages bring: it keeps searching."""
    campaign.min_qualifiable_leads = 1000
    campaign.save()
    return SearchKeyword.objects.create(campaign=campaign, keyword=KEYWORD)


def queued_pages(redis_client, queue: str) -> list[int]:
    return [json.loads(__import__("base64").b64decode(json.loads(raw)["body"]))[1]["page"]
            for raw in redis_client.lrange(queue, 0, -1)]  # fmt: skip


def test_a_page_in_flight_is_queued_neither_again_nor_for_another_account(
    campaign, hungry, alice, bob, redis_client, settings
):
    open_all_day(alice)
    open_all_day(bob)
    now, rng = timezone.now(), random.Random(3)

    [first] = search.dispatch(now, rng)
    assert first["page"] == 1
    holder, other = first["account"], ({"alice", "bob"} - {first["account"]}).pop()
    # The other account's slot is due: the page in flight is not its to fetch as well.
    assert search.dispatch(now + timedelta(seconds=1), rng) == []
    assert queued_pages(redis_client, f"browser.{other}") == []

    # The holder's worker took the task (its queue is empty again) and is fetching; both slots are due.
    redis_client.delete(f"browser.{holder}")
    pace = settings.SEARCH_MIN_INTERVAL_SECONDS * 1.2 / settings.TIME_SCALE
    later = now + timedelta(seconds=pace + 2)
    assert search.dispatch(later, rng) == [], "page 1 is still in flight"
    assert queued_pages(redis_client, "browser.alice") + queued_pages(redis_client, "browser.bob") == []

    # A task that died leaves its claim to expire; then the page is chosen again (a deliberate retry).
    expired = now + timedelta(seconds=settings.CLAIM_SECONDS + 1)
    assert claims.release_expired(expired)["keywords"] == 1
    [retry] = search.dispatch(expired, rng)
    assert (retry["keyword"], retry["page"]) == (KEYWORD, 1)


def test_two_dispatchers_choosing_the_same_page_send_it_once(campaign, hungry, alice, bob, redis_client):
    open_all_day(alice)
    open_all_day(bob)
    now = timezone.now()
    assert claims.take_keyword(hungry.pk, "another-dispatcher", now)  # it read the same state first
    assert search.dispatch(now, random.Random(1)) == []
    assert queued_pages(redis_client, "browser.alice") + queued_pages(redis_client, "browser.bob") == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_fetches_each_search_page_once_however_often_the_lane_ticks(
    sandbox, campaign, hungry, alice, browser_worker, redis_client, settings
):
    """The real browser worker against the sandbox; the lane ticks as soon as the worker has taken its
    task (its slot always due), as the demo's fast clock does. The sandbox's own request log counts the
    search pages alice's browser fetched: each once, but for a page whose fetch hit the search limit,
    which is fetched again once the limit is gone."""
    settings.SEARCH_MIN_INTERVAL_SECONDS = 0  # the slot is always due: only the claim holds a page back
    open_all_day(alice)
    worker = browser_worker("alice")
    sandbox.control.set_faults(account="alice", search_limit=True)
    rng, pages = random.Random(7), 3
    sent: list[int] = []

    searches = ActionLog.objects.filter(kind=ActionLog.Kind.SEARCH)

    def all_ended() -> bool:
        return searches.count() == len(sent)  # every search task sent has ended (it logs its outcome)

    def tick() -> None:
        """Dispatch; when a page was sent, return as soon as the worker took it (so the next tick comes
        while it is fetched); when none was, wait until every page sent is in."""
        pages_sent = [s["page"] for s in search.dispatch(timezone.now(), rng) if "page" in s]
        sent.extend(pages_sent)
        if pages_sent:
            wait_for(lambda: not redis_client.llen("browser.alice"), "the worker took its task", worker, 120)
        else:
            wait_for(all_ended, "the page in flight is in", worker)

    tick()
    wait_for(lambda: searches.filter(outcome=ActionLog.Outcome.LIMIT).exists(), "the search limit", worker)
    sandbox.control.clear_faults(account="alice")
    while SearchKeyword.objects.get(pk=hungry.pk).pages_searched < pages:
        assert len(sent) < 50, f"the lane keeps sending: {sent}"
        tick()
    wait_for(all_ended, "the last search task ended", worker)

    fetched = Counter(
        int(parse_qs(e["query"])["page"][0])
        for e in sandbox.control.request_log("alice")
        if e["method"] == "GET" and e["path"].rstrip("/") == "/search/results/people"
    )
    assert fetched == Counter({1: 2, **{p: 1 for p in range(2, pages + 1)}}), fetched
    assert Counter(sent) == fetched, "every page the lane sent was fetched, and nothing else"
    ok = ActionLog.objects.filter(kind=ActionLog.Kind.SEARCH, outcome=ActionLog.Outcome.OK)
    assert sorted(
        int(d.split(" page ")[1].split(":")[0]) for d in ok.values_list("detail", flat=True)
    ) == list(range(1, pages + 1))
    assert not SearchKeyword.objects.filter(claims.held(timezone.now())).exists(), "every claim given back"


@pytest.mark.slow
@pytest.mark.browser
def test_a_page_the_worker_turns_down_is_given_back_at_once(sandbox, campaign, hungry, alice, browser_worker):
    """Sent within working hours, taken by the worker outside them: nothing is fetched, and the page is
    free again at once (the campaign's search does not wait for the claim time), its claim given back
    by the task that held it only."""
    open_all_day(alice)
    [sent] = search.dispatch(timezone.now(), random.Random(5))
    assert claims.search_in_flight(campaign.pk, timezone.now())
    closed_for_two_hours(alice)

    browser_worker("alice")
    report = AsyncResult(sent["task"]).get(timeout=240)

    assert report == {"skipped": "outside working hours (re-checked in the worker)"}
    assert not claims.search_in_flight(campaign.pk, timezone.now()), "the page's claim was not given back"
    assert not [e for e in sandbox.control.request_log("alice") if e["path"].startswith("/search/")]
    # A refused task that no longer holds the page (another task does) leaves that claim alone.
    assert claims.take_keyword(hungry.pk, "another-task", timezone.now())
    claims.release_keyword(hungry.pk, sent["task"])
    assert claims.search_in_flight(campaign.pk, timezone.now())
