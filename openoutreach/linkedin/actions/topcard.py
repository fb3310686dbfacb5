"""The profile top card: finding it in either markup generation, its name, and the state it shows.

Everything a profile action clicks is looked up inside the top card and by the member's full name;
the rest of the page shows other people with look-alike buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from playwright.sync_api import Locator, Page

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.dom import find, text_of, wait_for

TOP_CARD_TIMEOUT_S = 15.0
MENU_TIMEOUT_S = 5.0


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"  # 1st degree
    PENDING = "pending"  # an invitation from this account waits for an answer
    NOT_CONNECTED = "not_connected"
    SELF = "self"  # the account's own profile
    UNKNOWN = "unknown"


@dataclass
class TopCard:
    """The located top card and the names the member is labelled with in it."""

    page: Page
    card: Locator
    names: list[str]

    def _names_for(self, chain: S.Chain) -> list[str]:
        return self.names if chain.needs_name else [""]

    def find(self, chain: S.Chain) -> Locator | None:
        """The chain inside the card, for each known spelling of the member's name."""
        for name in self._names_for(chain):
            found = find(self.card, chain, name=name)
            if found is not None:
                return found
        return None

    def find_in_menu(self, chain: S.Chain) -> Locator | None:
        """The chain in the card or in an open overflow menu (menus may render outside the card)."""
        found = self.find(chain)
        if found is not None:
            return found
        for name in self._names_for(chain):
            for menu_selector in S.OPEN_MENU.selectors:
                menu = self.page.locator(menu_selector).filter(visible=True)
                for i in range(menu.count()):
                    found = find(menu.nth(i), chain, name=name)
                    if found is not None:
                        return found
        return None

    def open_more(self) -> bool:
        """Open the card's overflow ("More") menu; False when the card has none."""
        more = find(self.card, S.MORE)
        if more is None:
            return False
        more.click()
        self.page.wait_for_timeout(300)
        return True

    def close_menu(self) -> None:
        """Close an open overflow menu: Escape, and the trigger again if the menu is still showing."""
        self.page.keyboard.press("Escape")
        if find(self.card, S.OPEN_MENU) is not None:
            more = find(self.card, S.MORE)
            if more is not None:
                more.click()

    def status(self, *, look_in_menu: bool = True) -> ConnectionStatus:
        """What the card shows: Pending, 1st degree, a Connect control; UNKNOWN when it says nothing.

        Creator profiles keep Connect (and Pending) under More: with `look_in_menu` the menu is opened
        to read them, then closed. Pending is checked first, and never clicked (that would withdraw).
        """
        if self.find(S.PENDING) is not None:
            return ConnectionStatus.PENDING
        if self.find(S.FIRST_DEGREE) is not None:
            return ConnectionStatus.CONNECTED
        if self.find(S.CONNECT) is not None:
            return ConnectionStatus.NOT_CONNECTED
        if look_in_menu and self.open_more():
            try:
                if self.find_in_menu(S.PENDING) is not None:
                    return ConnectionStatus.PENDING
                if self.find_in_menu(S.CONNECT) is not None:
                    return ConnectionStatus.NOT_CONNECTED
            finally:
                self.close_menu()
        return ConnectionStatus.UNKNOWN


def locate_top_card(
    page: Page, full_name: str | None = None, timeout_s: float = TOP_CARD_TIMEOUT_S
) -> TopCard | None:
    """The top card of the profile on `page` and the names to scope by; None when there is none."""
    card = wait_for(page, page, S.TOP_CARD, timeout_s)
    if card is None:
        return None
    names: list[str] = []
    if full_name and full_name.strip():
        names.append(" ".join(full_name.split()))
    heading = find(card, S.TOP_CARD_NAME)
    if heading is not None:
        shown = text_of(heading)
        if shown and shown not in names:
            names.append(shown)
    return TopCard(page, card, names)
