"""Resolving rule chains on a page: the first visible match, or waiting for one of several outcomes.

Every lookup of the browser layer goes through `match` (or its shorthands), so `inspect` reports
exactly what the actions would click, and which rule found it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from openoutreach.linkedin.selectors import Chain, Rule, css_string

Scope = Page | Locator

# The nearest ancestor a person would click: a hidden label inside a menu item names the item.
CLICKABLE = (
    "xpath=ancestor-or-self::*[self::a or self::button or @role='button' or @role='menuitem'"
    " or @role='option' or @role='link' or @tabindex or self::li][1]"
)


@dataclass(frozen=True)
class Found:
    """A visible element and the rule of its chain that found it."""

    locator: Locator
    rule: Rule


def _fill(template: str, values: Mapping[str, str], quote: bool) -> str:
    return template.format(**{k: css_string(v) if quote else v for k, v in values.items()})


def _candidates(scope: Scope, rule: Rule, values: Mapping[str, str]) -> Locator | None:
    """The rule's (unfiltered) locator in `scope`, or None when a placeholder it needs has no value."""
    if any(not values.get(key) for key in rule.placeholders()):
        return None
    if rule.kind == "css":
        return scope.locator(_fill(rule.value, values, quote=True))
    if rule.kind == "role":
        name = " ".join(_fill(rule.name or "", values, quote=False).split())
        return scope.get_by_role(rule.value, name=name, exact=rule.exact)  # type: ignore[arg-type]
    if rule.kind == "text":
        return scope.get_by_text(" ".join(_fill(rule.value, values, quote=False).split()), exact=rule.exact)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def vanity_of(href: str | None) -> str | None:
    """The `vanityName` an invite link carries (percent-decoded, lower-case), or None."""
    if not href:
        return None
    values = parse_qs(urlsplit(href).query).get("vanityName")
    return unquote(values[0]).strip().lower() if values else None


def _matches(scope: Scope, rule: Rule, values: Mapping[str, str]) -> list[Locator]:
    candidates = _candidates(scope, rule, values)
    if candidates is None:
        return []
    visible = candidates.filter(visible=True)
    found = [visible.nth(i) for i in range(visible.count())]
    if rule.vanity:
        wanted = (values.get("vanity") or "").strip().lower()
        found = [el for el in found if wanted and vanity_of(el.get_attribute("href")) == wanted]
    if rule.click:
        found = [el.locator(CLICKABLE).first if el.locator(CLICKABLE).count() else el for el in found]
    return found


def match(scope: Scope, chain: Chain, **values: str) -> Found | None:
    """The first visible element matched by the chain's rules, tried in order; None if none matches."""
    for rule in chain.rules:
        found = _matches(scope, rule, values)
        if found:
            return Found(found[0], rule)
    return None


def find(scope: Scope, chain: Chain, **values: str) -> Locator | None:
    found = match(scope, chain, **values)
    return found.locator if found else None


def find_all(scope: Scope, chain: Chain, **values: str) -> list[Locator]:
    """Every visible element of the first rule of the chain that matches anything."""
    for rule in chain.rules:
        found = _matches(scope, rule, values)
        if found:
            return found
    return []


def exists(scope: Scope, chain: Chain, **values: str) -> bool:
    return match(scope, chain, **values) is not None


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


def settle(page: Page, timeout_s: float = 10.0) -> None:
    """Let a click that may navigate (2026 controls are links) finish loading before reading the page;
    no navigation, or a slow one, is fine: the outcome polling that follows decides."""
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
