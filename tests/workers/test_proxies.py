"""Two accounts in parallel, each behind its own forward proxy (a real privoxy on loopback): the sandbox
sees every request of an account through that account's proxy, and the demo's safety verdict fails when
an account's proxy is swapped for another's or missing."""

from __future__ import annotations

import os
from datetime import time as clock

import httpx
import pytest

from openoutreach.celery import app
from openoutreach.demo import safety_report
from openoutreach.forward_proxy import LocalProxy, find_privoxy, proxy_name, proxy_problems
from openoutreach.local_redis import wait_for_port
from openoutreach.outreach.models import LinkedInProfile, SearchKeyword
from openoutreach.ports import free_port
from openoutreach.sandbox.testing import SandboxProcess
from openoutreach.worker_memory import MB, browser_worker_memory

try:
    PRIVOXY = find_privoxy()
except RuntimeError:  # ProxyNotFound: `make setup` installs Debian's privoxy when root
    PRIVOXY = None

needs_privoxy = pytest.mark.skipif(PRIVOXY is None, reason="privoxy is not installed (make setup)")


@pytest.fixture
def sandbox():
    """A sandbox of these tests' own, on a new port (not the session's shared one): a browser an earlier
    test left closing can never send a request that would be counted against these proxies."""
    with SandboxProcess(people=500, seed=7, scenario="devops") as server:
        yield server


@pytest.fixture
def start_proxy(processes, tmp_path):
    """Factory: a real privoxy on a free loopback port that names itself proxy-<handle>."""

    def start(handle: str) -> LocalProxy:
        proxy = LocalProxy(proxy_name(handle), free_port(), tmp_path / "proxies")
        processes(proxy.name, proxy.argv(PRIVOXY))
        wait_for_port(proxy.port)
        return proxy

    return start


def around_the_clock(account, proxy_url: str | None):
    """The worker re-checks working hours before every action; the proxy is stored encrypted."""
    account.working_hours_start, account.working_hours_end = clock(0), clock(23, 59)
    account.set_proxy(proxy_url or "")
    account.save()
    return account


def search_in_parallel(campaign, handles: list[str]) -> list[dict]:
    """One search page per account, sent at once: both browsers log in and browse at the same time."""
    keywords = ["kubernetes", "terraform", "platform engineering"]
    results = []
    for handle, word in zip(handles, keywords, strict=False):
        keyword = SearchKeyword.objects.create(campaign=campaign, keyword=word)
        results.append(
            app.send_task("browser.search", kwargs={"account": handle, "keyword_id": keyword.pk, "page": 1})
        )
    return [result.get(timeout=300) for result in results]


def enrich_in_parallel(accounts: list) -> list[dict]:
    """Two of each account's discoveries enriched through Voyager, at once: the API calls need the
    login's cookies (JSESSIONID as the CSRF token) to have come back through the proxy intact."""
    results = []
    for account in accounts:
        ids = list(
            LinkedInProfile.objects.filter(discovered_by=account, enriched_at__isnull=True).values_list(
                "lead_id", flat=True
            )[:2]
        )
        results.append(app.send_task("browser.enrich", kwargs={"account": account.handle, "lead_ids": ids}))
    return [result.get(timeout=300) for result in results]


@needs_privoxy
def test_a_request_through_a_proxy_is_counted_under_its_name(sandbox, start_proxy):
    proxy = start_proxy("alice")

    with httpx.Client(proxy=proxy.url, trust_env=False) as client:
        assert client.get(f"{sandbox.base_url}/login").status_code == 200
    with httpx.Client(trust_env=False) as client:
        assert client.get(f"{sandbox.base_url}/login").status_code == 200

    counts = {(r["account"], r["proxy"]): r["requests"] for r in sandbox.control.proxies()}
    assert counts == {(None, "proxy-alice"): 1, (None, None): 1}


def test_the_verdict_names_each_request_through_the_wrong_proxy_or_none():
    expected = {"alice": "proxy-alice", "bob": "proxy-bob"}
    counts = [
        {"account": None, "proxy": "proxy-bob", "requests": 3},  # a login page, through a known proxy
        {"account": "alice", "proxy": "proxy-alice", "requests": 40},
        {"account": "bob", "proxy": "proxy-bob", "requests": 30},
    ]
    assert proxy_problems(expected, counts) == []

    counts += [
        {"account": "alice", "proxy": "proxy-bob", "requests": 2},
        {"account": "bob", "proxy": None, "requests": 1},
        {"account": None, "proxy": None, "requests": 4},
    ]
    assert proxy_problems(expected, counts) == [
        "alice: 2 request(s) reached the sandbox through proxy 'proxy-bob', not its own 'proxy-alice'",
        "bob: 1 request(s) reached the sandbox through no proxy, not its own 'proxy-bob'",
        "4 request(s) before login reached the sandbox through no proxy",
    ]


@needs_privoxy
@pytest.mark.slow
@pytest.mark.browser
def test_two_accounts_browse_in_parallel_each_through_its_own_proxy(
    sandbox, campaign, alice, bob, redis_client, start_proxy, browser_worker
):
    proxies = {handle: start_proxy(handle) for handle in ("alice", "bob")}
    around_the_clock(alice, proxies["alice"].url)
    around_the_clock(bob, proxies["bob"].url)
    browser_worker("alice")
    browser_worker("bob")

    reports = search_in_parallel(campaign, ["alice", "bob"])
    enriched = enrich_in_parallel([alice, bob])

    assert [r["results"] for r in reports] == [10, 10]
    assert [len(r["enriched"]) for r in enriched] == [2, 2], enriched
    expected = {handle: proxy.name for handle, proxy in proxies.items()}
    counts = sandbox.control.proxies()
    through_own = {
        h: sum(r["requests"] for r in counts if (r["account"], r["proxy"]) == (h, expected[h]))
        for h in expected
    }
    assert through_own["alice"] > 0 and through_own["bob"] > 0, counts
    assert safety_report(sandbox.base_url, expected) == []
    # Each worker's memory (its Python, the Playwright driver and Chromium), as the demo prints it.
    memory = browser_worker_memory(os.getpid())
    assert sorted(memory) == ["alice", "bob"]
    for handle, used in memory.items():
        assert used.processes >= 3 and 50 * MB < used.pss <= used.rss, (handle, used)


@needs_privoxy
@pytest.mark.slow
@pytest.mark.browser
def test_the_safety_verdict_fails_when_a_proxy_is_swapped_or_missing(
    sandbox, campaign, alice, bob, redis_client, start_proxy, browser_worker
):
    proxies = {handle: start_proxy(handle) for handle in ("alice", "bob")}
    around_the_clock(alice, proxies["bob"].url)  # alice's account carries bob's proxy
    around_the_clock(bob, None)  # bob's has none
    browser_worker("alice")
    browser_worker("bob")

    search_in_parallel(campaign, ["alice", "bob"])

    problems = safety_report(sandbox.base_url, {h: p.name for h, p in proxies.items()})
    assert any(p.startswith("alice: ") and "through proxy 'proxy-bob'" in p for p in problems), problems
    assert any(p.startswith("bob: ") and "through no proxy" in p for p in problems), problems
