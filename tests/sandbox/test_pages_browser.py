"""Login, messaging and search pages driven by real Chromium."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser


# -- login ---------------------------------------------------------------------------------------


def test_login_lands_on_the_feed_with_session_cookies(sandbox, login):
    page = login("alice")
    assert urlsplit(page.url).path == "/feed/"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["li_at"]["httpOnly"] and cookies["li_at"]["value"]
    assert cookies["JSESSIONID"]["value"].startswith('"ajax:')
    me = sandbox.control.account("alice")
    assert page.locator(f'a[href="/in/{me["public_id"]}/"]').count() >= 1  # the account's own profile link


def test_wrong_password_stays_on_login_with_an_error(sandbox, login):
    page = login("alice", password="not-it")
    assert urlsplit(page.url).path == "/login"
    assert "Wrong email or password" in page.locator("#error-for-password").inner_text()
    assert not [c for c in page.context.cookies() if c["name"] == "li_at"]


def test_checkpoint_account_and_checkpoint_fault(sandbox, login):
    page = login("dave")
    assert urlsplit(page.url).path.startswith("/checkpoint/challenge/")
    assert not [c for c in page.context.cookies() if c["name"] == "li_at"]
    sandbox.control.set_faults(account="alice", checkpoint_rate=1.0)
    assert urlsplit(login("alice").url).path.startswith("/checkpoint/challenge/")
    assert urlsplit(login("bob").url).path == "/feed/"  # per-account fault leaves bob alone
    sandbox.control.clear_faults()
    assert urlsplit(login("alice").url).path == "/feed/"


def test_wrong_password_fault_and_expired_session(sandbox, login):
    sandbox.control.set_faults(account="carol", wrong_password_rate=1.0)
    assert urlsplit(login("carol").url).path == "/login"
    sandbox.control.clear_faults()
    page = login("carol")
    sandbox.control.set_faults(account="carol", session_expired_rate=1.0)
    page.goto("/mynetwork/invite-connect/connections/")
    assert urlsplit(page.url).path == "/login"
    sandbox.control.clear_faults()
    page.goto("/feed/")  # the session stays dead once expired: log in again
    assert urlsplit(page.url).path == "/login"


# -- messaging -----------------------------------------------------------------------------------


def _messages(sandbox, account="alice"):
    return [m for m in sandbox.control.snapshot()["messages"] if m["account"] == account]


@pytest.mark.parametrize("markup", ["2026", "2022", "older"])
def test_message_overlay_sends_to_the_connection(sandbox, login, pick, ui, markup):
    sandbox.control.set_faults(markup=markup)
    friend = pick(relation="connected")
    page = login("alice")
    page.goto(f"/in/{friend['public_id']}/")
    card = ui.top_card(page, friend)
    card.get_by_role("link", name="Message", exact=True).or_(
        card.get_by_text("Message", exact=True)
    ).first.click()
    editor = page.locator('div[class*="msg-form__contenteditable"]')
    send = page.locator('button[type="submit"][class*="msg-form"]')
    assert send.is_disabled()
    editor.fill(f"Hi {friend['first_name']}, thanks for connecting!")
    send.click()
    page.wait_for_selector(".msg-s-event-listitem__body")
    sent = _messages(sandbox)
    assert [(m["person"], m["sender"], m["text"]) for m in sent] == [
        (friend["public_id"], "account", f"Hi {friend['first_name']}, thanks for connecting!")
    ]


def test_new_thread_typeahead_picks_the_exact_person_among_namesakes(sandbox, login):
    people = {p["public_id"]: p for p in sandbox.control.people()}
    pairs = [
        (p, people[p["namesake_of"]])
        for p in people.values()
        if p["namesake_of"]
        and p["relations"]["alice"] == "connected"
        and people[p["namesake_of"]]["relations"]["alice"] == "connected"
    ]
    assert pairs, "every account's network holds namesakes"
    page = login("alice")
    page.goto("/messaging/thread/new/")
    first, second = pairs[0]
    page.fill('input[class^="msg-connections"]', first["full_name"])
    rows = page.locator('div[class*="msg-connections-typeahead__search-result-row"]')
    rows.nth(1).wait_for()
    assert rows.count() >= 2
    top_headline = rows.first.locator("dd").inner_text()
    target = second if top_headline == first["headline"] else first  # the one that is NOT the first hit
    assert rows.first.locator("dd").inner_text() != target["headline"]
    rows.filter(has_text=target["headline"]).first.click()
    page.locator('div[class*="msg-form__contenteditable"]').fill("Quick question about your platform team")
    page.click('button[type="submit"][class*="msg-form"]')
    page.wait_for_url("**/messaging/thread/**")
    assert [m["person"] for m in _messages(sandbox)] == [target["public_id"]]
    assert (
        "Quick question about your platform team" in page.locator(".msg-s-event-listitem__body").inner_text()
    )
    page.goto("/messaging/")
    assert target["full_name"] in page.locator(".msg-conversation-listitem").first.inner_text()


def test_message_error_fault_shows_an_error_toast(sandbox, login, pick, ui):
    sandbox.control.set_faults(message_error_rate=1.0, markup="2026")
    friend = pick(relation="connected")
    page = login("alice")
    page.goto(f"/in/{friend['public_id']}/")
    ui.top_card(page, friend).get_by_role("link", name="Message", exact=True).click()
    page.locator('div[class*="msg-form__contenteditable"]').fill("hello")
    page.click('button[type="submit"][class*="msg-form"]')
    page.wait_for_selector('div[data-test-artdeco-toast-item-type="error"]')
    assert _messages(sandbox) == []


# -- search --------------------------------------------------------------------------------------


def _profile_ids(page) -> list[str]:
    ids = []
    for href in page.locator(
        "li.reusable-search__result-container a.app-aware-link[href*='/in/']"
    ).evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        segments = urlsplit(href).path.strip("/").split("/")
        if segments[0] == "in" and unquote(segments[1]) not in ids:
            ids.append(unquote(segments[1]))
    return ids


def test_search_pages_ten_relevant_results_each(sandbox, login):
    page = login("alice")
    page.goto("/search/results/people/?keywords=devops%20manager&origin=GLOBAL_SEARCH_HEADER&page=1")
    one = _profile_ids(page)
    page.click('a[aria-label="Next"]')
    page.wait_for_url("**page=2**")
    two = _profile_ids(page)
    assert len(one) == 10 and len(two) == 10 and not set(one) & set(two)
    top = sandbox.control.person(one[0])
    assert "devops" in top["title"].lower() and "manager" in top["title"].lower()
    me = sandbox.control.account("alice")["public_id"]
    assert me not in one + two
    for public_id in one + two:  # percent-decoded ids are real people (some are non-ASCII)
        assert sandbox.control.person(public_id)["public_id"] == public_id
    page.goto("/search/results/people/?keywords=devops%20manager&page=999")
    assert page.locator(".search-reusable-search-no-results").count() == 1


def test_search_limit_fault(sandbox, login):
    sandbox.control.set_faults(account="alice", search_limit=True)
    page = login("alice")
    page.goto("/search/results/people/?keywords=nurse%20manager&page=1")
    assert "monthly limit" in page.locator(".search-paywall__info").inner_text()
    assert _profile_ids(page) == []
