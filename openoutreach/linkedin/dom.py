"""Resolving selector chains on a page: the first visible match, or waiting for one of several outcomes."""

from __future__ import annotations

import time
from collections.abc import Mapping

from playwright.sync_api import Locator, Page

from openoutreach.linkedin.selectors import Chain

Scope = Page | Locator


def find(scope: Scope, chain: Chain, **values: str) -> Locator | None:
    """The first visible element matched by the chain's selectors, tried in order; None if none matches."""
    for selector in chain.format(**values):
        match = scope.locator(selector).filter(visible=True)
        if match.count():
            return match.first
    return None


def find_all(scope: Scope, chain: Chain, **values: str) -> list[Locator]:
    """Every visible element of the first selector of the chain that matches anything."""
    for selector in chain.format(**values):
        matches = scope.locator(selector).filter(visible=True)
        count = matches.count()
        if count:
            return [matches.nth(i) for i in range(count)]
    return []


def exists(scope: Scope, chain: Chain, **values: str) -> bool:
    return find(scope, chain, **values) is not None


def wait_for_any(
    page: Page,
    outcomes: Mapping[str, tuple[Scope, Chain, dict[str, str]]],
    timeout_s: float,
    poll_s: float = 0.2,
) -> str | None:
    """Poll until one of several outcomes is visible; its key, or None after `timeout_s`.

    Outcomes are checked in mapping order, so put the ones that must win a tie (limit alert,
    error toast) first.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        for key, (scope, chain, values) in outcomes.items():
            if exists(scope, chain, **values):
                return key
        if time.monotonic() >= deadline:
            return None
        page.wait_for_timeout(poll_s * 1000)


def text_of(locator: Locator) -> str:
    """Whitespace-normalised visible text of an element."""
    return " ".join(locator.inner_text().split())


def wait_for(scope: Scope, page: Page, chain: Chain, timeout_s: float, **values: str) -> Locator | None:
    """Poll for the chain to match a visible element (pages render in steps); None after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = find(scope, chain, **values)
        if found is not None or time.monotonic() >= deadline:
            return found
        page.wait_for_timeout(200)
