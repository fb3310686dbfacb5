"""The profile top card: finding it in any markup generation, whom it is about, and the state it shows.

Everything a profile action clicks is looked up inside the top card, or inside the overflow menu that
opened after clicking THIS card's More (2026 renders that menu as a popover portal at the end of the
page, outside the card), and is matched to the person by vanity name or profile URN first and full
name second: the rest of the page shows other people, namesakes included, with look-alike controls.
Status is read from rendered text and controls only (pages hold hidden badges for other states).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote

from playwright.sync_api import Locator, Page

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.dom import Found, match, text_of

TOP_CARD_TIMEOUT_S = 15.0
MENU_TIMEOUT_S = 5.0


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"  # 1st degree
    PENDING = "pending"  # an invitation from this account waits for an answer
    NOT_CONNECTED = "not_connected"
    SELF = "self"  # the account's own profile
    UNKNOWN = "unknown"


@dataclass
class Person:
    """Who a page action is about: full name(s), public id (vanity name) and profile URN when known."""

    names: list[str] = field(default_factory=list)
    vanity: str | None = None
    urn: str | None = None  # urn:li:fsd_profile:<id>

    def values(self, name: str = "") -> dict[str, str]:
        """Placeholder values for the selector rules (`{name}`, `{vanity}`, `{urn}`)."""
        return {
            "name": name,
            "vanity": self.vanity or "",
            "urn": quote(self.urn, safe="") if self.urn else "",
        }


@dataclass
class TopCard:
    """The located top card of one person's profile, and the rules that found things in it."""

    page: Page
    card: Locator
    person: Person
    card_rule: str = ""
    menu: Locator | None = None  # the overflow menu this card opened, while it is open
    more_rule: str | None = None
    rules: dict[str, str] = field(default_factory=dict)  # control -> label of the rule that matched
    menu_timeout_s: float = MENU_TIMEOUT_S
    # A saved page has no LinkedIn scripts to open the menu: reveal its menu portal when a click
    # opens nothing (`inspect` only; never on a live page).
    offline: bool = False

    @property
    def names(self) -> list[str]:
        return self.person.names

    def match(self, chain: S.Chain, scope: Locator | None = None, control: str | None = None) -> Found | None:
        """The chain inside the card (or `scope`), for each known spelling of the person's name."""
        where = self.card if scope is None else scope
        for name in self.person.names if chain.needs_name and self.person.names else [""]:
            found = match(where, chain, **self.person.values(name))
            if found is not None:
                if control:
                    self.rules[control] = found.rule.label
                return found
        return None

    def find(self, chain: S.Chain, control: str | None = None) -> Locator | None:
        found = self.match(chain, control=control)
        return found.locator if found else None

    # --- the overflow menu -----------------------------------------------------------------

    def open_more(self) -> Locator | None:
        """Click the card's More and return the menu that opened (anywhere in the document); None when
        the card has no More or nothing opened."""
        more = self.match(S.MORE, control="more")
        if more is None:
            return None
        self.more_rule = more.rule.label
        before = _open_menus(self.page)
        more.locator.click()
        menu = self._menu_after_click(more.locator, before)
        if menu is None and self.offline:
            menu = self._reveal_saved_menu()
        self.menu = menu
        return menu

    def _reveal_saved_menu(self) -> Locator | None:
        """Show a saved page's menu (a popover portal with menu items, or the card's dropdown)."""
        key = self.card.evaluate(_REVEAL_JS)
        return _menu_locator(self.page, key) if key else None

    def _menu_after_click(self, trigger: Locator, before: list[str]) -> Locator | None:
        """The menu the click opened: the one the trigger controls, else a newly shown one, else the
        only open one."""
        deadline = time.monotonic() + self.menu_timeout_s
        while True:
            controls = trigger.get_attribute("aria-controls")
            if controls:
                target = self.page.locator(f'[id="{S.css_string(controls)}"]').filter(visible=True)
                if target.count():
                    return target.first
            menus = _open_menus(self.page)
            fresh = [m for m in menus if m not in before]
            if fresh:
                return _menu_locator(self.page, fresh[0])
            inside = [m for m in menus if _is_inside(self.card, m)]
            if time.monotonic() >= deadline:
                if inside:
                    return _menu_locator(self.page, inside[0])
                return _menu_locator(self.page, menus[0]) if len(menus) == 1 else None
            self.page.wait_for_timeout(100)

    def find_in_menu(self, chain: S.Chain, control: str | None = None) -> Locator | None:
        """The chain inside the menu this card opened (call `open_more` first)."""
        if self.menu is None:
            return None
        found = self.match(chain, scope=self.menu, control=control)
        return found.locator if found else None

    def close_menu(self) -> None:
        """Close the menu this card opened: Escape, and the trigger again if it is still showing."""
        if self.menu is None:
            return
        self.page.keyboard.press("Escape")
        try:
            still_open = self.menu.is_visible()
        except Exception:  # the menu node went away with the Escape: closed
            still_open = False
        if still_open:
            more = self.find(S.MORE)
            if more is not None:
                more.click()
        self.menu = None

    # --- status ----------------------------------------------------------------------------

    def degree(self) -> int | None:
        """The degree a VISIBLE badge shows (1, 2, 3), None when no badge is visible."""
        found = self.match(S.DEGREE_BADGE, control="degree")
        if found is None:
            return None
        shown = text_of(found.locator)
        if S.FIRST_DEGREE_TEXT.search(shown):
            return 1
        other = S.OTHER_DEGREE_TEXT.search(shown)
        return int(other.group(1)[0]) if other else None

    def status(self, *, look_in_menu: bool = True) -> ConnectionStatus:
        """What the card shows, from visible text and controls only.

        Order: Pending (never clicked: that would withdraw), own-profile controls, a visible 1st badge,
        a visible 2nd/3rd badge or a Connect in the card, the 1st-degree notification bell; then, with
        `look_in_menu`, this person's Connect in the overflow menu (opened and closed again).
        """
        if self.find(S.PENDING, control="pending") is not None:
            return ConnectionStatus.PENDING
        if self.find(S.SELF_CONTROLS, control="self") is not None:
            return ConnectionStatus.SELF
        degree = self.degree()
        if degree == 1:
            return ConnectionStatus.CONNECTED
        if degree in (2, 3) or self.find(S.CONNECT, control="connect") is not None:
            return ConnectionStatus.NOT_CONNECTED
        if self.find(S.NOTIFICATIONS_BELL, control="bell") is not None:
            return ConnectionStatus.CONNECTED
        if look_in_menu and self.open_more() is not None:
            try:
                if self.find_in_menu(S.MENU_CONNECT, control="menu_connect") is not None:
                    return ConnectionStatus.NOT_CONNECTED
            finally:
                self.close_menu()
        return ConnectionStatus.UNKNOWN


def _open_menus(page: Page) -> list[str]:
    """Keys of the menus visible now (a stable key per element, to tell which one a click opened)."""
    keys: list[str] = []
    for rule in S.OPEN_MENU.rules:
        menus = page.locator(rule.value).filter(visible=True)
        for i in range(menus.count()):
            key = menus.nth(i).evaluate(_MENU_KEY_JS)
            if key not in keys:
                keys.append(key)
    return keys


# Tag each visible menu element once with a data attribute, so it can be found again by key.
_MENU_KEY_JS = """el => {
  if (!el.dataset.ooMenuKey) { el.dataset.ooMenuKey = 'm' + Math.random().toString(36).slice(2); }
  return el.dataset.ooMenuKey;
}"""


_REVEAL_JS = """card => {
  const withItems = el => el.querySelector('[role="menuitem"], [role="button"], li');
  let menu = [...document.querySelectorAll('[popover]')].reverse().find(withItems);
  if (menu) { try { menu.showPopover(); } catch (e) { menu.style.display = 'block'; } }
  else {
    menu = card.querySelector('.artdeco-dropdown__content, [role="menu"]');
    if (!menu) return null;
    menu.hidden = false; menu.removeAttribute('hidden');
    menu.classList.add('artdeco-dropdown__content--is-open'); menu.style.display = 'block';
  }
  if (!menu.dataset.ooMenuKey) { menu.dataset.ooMenuKey = 'm' + Math.random().toString(36).slice(2); }
  return menu.dataset.ooMenuKey;
}"""


def _menu_locator(page: Page, key: str) -> Locator:
    return page.locator(f'[data-oo-menu-key="{key}"]')


def _is_inside(card: Locator, key: str) -> bool:
    return card.locator(f'[data-oo-menu-key="{key}"]').count() > 0


def locate_top_card(
    page: Page,
    full_name: str | None = None,
    timeout_s: float = TOP_CARD_TIMEOUT_S,
    *,
    public_id: str | None = None,
    profile_urn: str | None = None,
) -> TopCard | None:
    """The top card of the profile on `page` and whom it is about; None when there is none."""
    person = Person(vanity=public_id, urn=profile_urn)
    if full_name and full_name.strip():
        person.names.append(" ".join(full_name.split()))
    values = person.values(person.names[0] if person.names else "")
    deadline = time.monotonic() + timeout_s
    while True:  # pages render in steps: poll the whole chain until a rule matches
        found = match(page, S.TOP_CARD, **values)
        if found is not None or time.monotonic() >= deadline:
            break
        page.wait_for_timeout(200)
    if found is None:
        return None
    card = TopCard(page, found.locator, person, card_rule=found.rule.label)
    heading = card.match(S.TOP_CARD_NAME, control="name")
    if heading is not None:
        shown = text_of(heading.locator)
        if shown and shown not in person.names:
            person.names.append(shown)
    return card
