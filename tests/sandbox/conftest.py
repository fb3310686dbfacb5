# ruff: noqa: F811  (fixtures imported from the harness are parameters of the fixtures below)
"""Shared pieces for the sandbox tests: the sandbox fixtures, one Chromium per module, logged-in pages.

The sandbox fixtures come from openoutreach.sandbox.testing (imported here until the root conftest
registers it as a plugin).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from openoutreach.linkedin.session import LAUNCH_ARGS
from openoutreach.sandbox.testing import SandboxProcess, sandbox, sandbox_server  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = list(LAUNCH_ARGS)  # the flags the product launches Chromium with
# The top card selectors of linkedin-surface.md, in its order (the 2026 componentkey one is per person).
LEGACY_TOP_CARD = [
    "section:has(div.top-card-background-hero-image)",
    "section[data-member-id]",
    "section.artdeco-card:has(> div.pv-top-card)",
    'section:has(> div[class*="pv-top-card"])',
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A plain (non-stealth) headless Chromium shared by one test module."""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def login(browser: Browser, sandbox: SandboxProcess) -> Iterator[Callable[..., Page]]:
    """`login("alice")` -> a page of a fresh browser context, after submitting the login form."""
    contexts = []

    def _login(handle: str = "alice", password: str | None = None) -> Page:
        context = browser.new_context(base_url=sandbox.base_url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.fill("input#username", f"{handle}@sandbox.test")
        page.fill("input#password", password if password is not None else f"{handle}-pass")
        page.click('button[type="submit"]')
        page.wait_for_load_state()
        return page

    yield _login
    for context in contexts:
        context.close()


def top_card(page: Page, person: dict):
    """The person's top card, found the way the surface doc says the product must find it."""
    modern = page.locator(f'[componentkey="com.linkedin.sdui.profile.card.ref{person["profile_id"]}Topcard"]')
    if modern.count():
        return modern
    for selector in ["section.pv-top-card-section", *LEGACY_TOP_CARD]:
        found = page.locator(selector).first
        if found.count():
            return found
    raise AssertionError(f"no top card on {page.url}")


def csrf(page: Page) -> str:
    cookie = next(c for c in page.context.cookies() if c["name"] == "JSESSIONID")
    return cookie["value"].strip('"')


@pytest.fixture
def pick(sandbox: SandboxProcess) -> Callable[..., dict]:
    """`pick(relation="DISTANCE_2", account="alice", markup=..., skip=n)` -> ground truth of a person
    (relation "not_connected": any distance)."""

    def _pick(account: str = "alice", relation: str | None = None, skip: int = 0, **match) -> dict:
        for person in sandbox.control.people(limit=1000):
            if person["is_account"] or person["private"]:
                continue
            if relation == "not_connected" and person["relations"][account] not in (
                "DISTANCE_2",
                "DISTANCE_3",
                "OUT_OF_NETWORK",
            ):
                continue
            if relation not in (None, "not_connected") and person["relations"][account] != relation:
                continue
            if all(person[k] == v for k, v in match.items()):
                if skip == 0:
                    return person
                skip -= 1
        raise LookupError(f"nobody matches relation={relation} {match}")

    return _pick


@pytest.fixture
def ui() -> SimpleNamespace:
    """Page helpers for the tests (conftest modules cannot be imported under importlib mode)."""
    return SimpleNamespace(top_card=top_card, csrf=csrf, legacy_top_card=LEGACY_TOP_CARD)
