"""The browser layer reads pages written from the surface doc's real-page facts (not from the sandbox):
the 2026 text-only More and its popover portal, this person's Connect by vanity name among namesakes,
hidden alternate badges, the Message link, own profile as SELF; the 2022 hidden-text menu item; older."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.topcard import ConnectionStatus, locate_top_card
from openoutreach.linkedin.inspect import read_page
from openoutreach.linkedin.session import LAUNCH_ARGS, find_browser

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location("linkedin_doc_pages", Path(__file__).with_name("doc_pages.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_browser(None, pw.chromium.executable_path), args=list(LAUNCH_ARGS)
        )
        yield browser.new_page()
        browser.close()


def load(page: Page, html: str) -> Page:
    page.set_content(html)
    return page


def test_2026_connect_lives_in_the_popover_menu_opened_by_the_text_only_more(page):
    load(page, docs.page_2026("not_connected"))
    card = locate_top_card(page, public_id=docs.VANITY, timeout_s=2)

    assert card is not None and card.names == [docs.NAME]
    assert card.find(S.CONNECT) is None  # the sidebar's "Invite Dana O'Neil to connect" is out of scope
    menu = card.open_more()
    assert menu is not None
    assert page.locator("button[aria-expanded]").first.get_attribute("aria-expanded") == "true"
    item = card.find_in_menu(S.MENU_CONNECT, control="menu_connect")
    assert item is not None
    # The namesake in the sidebar has the same name: the item is chosen by the vanity name.
    assert item.get_attribute("href") == f"/preload/custom-invite/?vanityName={docs.VANITY}"
    assert card.rules["menu_connect"] == "menuitem custom-invite vanityName"
    card.close_menu()
    assert not page.locator("[popover]").first.is_visible()


def test_2026_a_menu_for_another_vanity_name_is_never_used(page):
    load(page, docs.page_2026("not_connected").replace(f"vanityName={docs.VANITY}", "vanityName=dana-oneil"))
    card = locate_top_card(page, public_id=docs.VANITY, timeout_s=2)
    card.open_more()

    found = card.match(S.MENU_CONNECT, scope=card.menu)
    # Only the by-name rule can still match, and only inside this card's menu: never the vanity rule.
    assert found is None or not found.rule.vanity
    card.close_menu()


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("not_connected", ConnectionStatus.NOT_CONNECTED),
        ("direct_connect", ConnectionStatus.NOT_CONNECTED),
        ("pending", ConnectionStatus.PENDING),
        ("connected", ConnectionStatus.CONNECTED),
        ("self", ConnectionStatus.SELF),
    ],
)
def test_2026_status_comes_from_visible_text_and_controls_only(page, state, status):
    load(page, docs.page_2026(state))
    # Every 2026 page holds a hidden "· 1st" or "· 2nd" too.
    assert page.locator('p:text-is("· 1st")').count() + page.locator('p:text-is("· 2nd")').count() >= 1

    card = locate_top_card(page, public_id=docs.VANITY, timeout_s=2)

    assert card.status() is status


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("not_connected", {"more": True, "menu_connect": True, "message": True, "follow": True}),
        ("direct_connect", {"connect": True, "more": True, "message": True}),
        ("pending", {"pending": True, "more": True, "message": True}),
        ("connected", {"more": True, "message": True}),
        ("self", {}),
    ],
)
def test_2026_controls_as_inspect_reports_them(page, state, expected):
    reading = read_page(load(page, docs.page_2026(state)), public_id=docs.VANITY)

    assert reading.top_card and reading.name == docs.NAME
    assert {k for k, v in reading.controls.items() if v} == set(expected)
    if reading.controls["message"]:
        assert reading.rules["message"].startswith("compose link")


def test_2022_menu_connect_is_named_by_visually_hidden_text_only(page):
    load(page, docs.page_2022("not_connected"))
    card = locate_top_card(page, docs.NAME, timeout_s=2)

    assert card.status(look_in_menu=False) is ConnectionStatus.NOT_CONNECTED  # visible "2nd"
    assert card.find(S.MESSAGE_BUTTON, control="message") is not None
    assert card.open_more() is not None
    item = card.find_in_menu(S.MENU_CONNECT, control="menu_connect")
    assert item is not None and item.get_attribute("id") == "ember91"
    card.close_menu()


@pytest.mark.parametrize(
    ("state", "status"),
    [("pending", ConnectionStatus.PENDING), ("connected", ConnectionStatus.CONNECTED)],
)
def test_2022_status(page, state, status):
    load(page, docs.page_2022(state))
    assert locate_top_card(page, docs.NAME, timeout_s=2).status() is status


def test_older_pages_have_a_top_card_and_a_connect_button(page):
    reading = read_page(load(page, docs.page_older()))

    assert reading.top_card and reading.name == docs.NAME
    assert reading.controls["connect"] and reading.status == "not_connected"


def test_a_page_without_a_profile_has_no_top_card(page):
    reading = read_page(load(page, "<html><body><main><h1>Feed</h1></main></body></html>"))

    assert not reading.top_card and reading.status == "unknown"
