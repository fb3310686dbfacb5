"""Sending a connection request to exactly one member, or saying precisely why not.

Steps:
1. Read the fresh Voyager relationship: already connected or pending -> return without a click
   (a redelivered task never invites twice). It also gives the name and profile URN to scope by.
2. Open the profile, find the top card, check it too (Pending / own profile / visible 1st badge), then
   find THIS person's Connect: in the card, else in the overflow menu that opened after clicking the
   card's More (2026: a popover portal at the end of the page), matched by the vanity name in the
   item's href first and the full name second (namesakes exist).
3. Click it; in the modal send without a note, or add the note and send.
4. Watch for the outcome: the weekly-limit alert -> `WeeklyLimitReached`; an error toast ->
   `ConnectFailed(reason)`; otherwise confirm the invitation (Voyager pending, or Pending on the card).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from playwright.sync_api import Locator

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.profile import status_from_profile
from openoutreach.linkedin.actions.topcard import ConnectionStatus, TopCard, locate_top_card
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.dom import find, settle, text_of, wait_for_any
from openoutreach.linkedin.errors import ConnectFailed, VoyagerError, WeeklyLimitReached
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url
from openoutreach.linkedin.voyager.parser import ParsedProfile

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 300  # LinkedIn's limit for an invitation note
MODAL_TIMEOUT_S = 10.0
OUTCOME_TIMEOUT_S = 10.0


class ConnectOutcome(StrEnum):
    SENT = "sent"
    ALREADY_PENDING = "already_pending"
    ALREADY_CONNECTED = "already_connected"
    NO_CONNECT_BUTTON = "no_connect_button"  # neither in the top card nor under More
    NO_TOP_CARD = "no_top_card"  # the page shows no recognisable profile top card
    SELF = "self"  # the account's own profile


@dataclass
class ConnectResult:
    outcome: ConnectOutcome
    via_more: bool = False  # Connect was under the overflow menu
    note_sent: bool = False
    confirmed: bool = False  # the invitation was seen as pending afterwards
    detail: str = ""
    capture: str | None = None  # a saved copy of the page when the control was not found
    rules: dict[str, str] = field(default_factory=dict)  # control -> the selector rule that matched


def connect(
    client: LinkedInClient, url: str, *, note: str | None = None, full_name: str | None = None
) -> ConnectResult:
    """Invite one member (see the module docstring). `full_name` defaults to Voyager's, then the card's."""
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise ValueError(f"an invitation note has at most {MAX_NOTE_LENGTH} characters, got {len(note)}")
    canonical = canonical_profile_url(url, client.base_url)
    public_id = public_id_from_url(canonical, client.base_url)
    client.ensure_logged_in()

    if public_id.lower() == (client.own_public_id() or "").lower():
        return ConnectResult(ConnectOutcome.SELF, detail="the account's own profile")
    status, profile = _voyager_status(client, public_id)
    if status in _NO_CLICK:
        return ConnectResult(_NO_CLICK[status], detail="from Voyager relationship")

    client.open(canonical)
    client.session.human.read_page()
    page = client.session.page
    card = locate_top_card(
        page,
        full_name or (profile.full_name if profile else None),
        public_id=public_id,
        profile_urn=profile.urn if profile else None,
    )
    if card is None:
        return ConnectResult(
            ConnectOutcome.NO_TOP_CARD, detail=page.url, capture=client.capture("connect-no-top-card")
        )
    shown = card.status(look_in_menu=False)
    if shown in _NO_CLICK:
        return ConnectResult(_NO_CLICK[shown], detail="from the top card", rules=card.rules)

    button, via_more = _connect_control(card)
    if button is None:
        capture = client.capture("connect-no-connect-control")
        card.close_menu()
        return ConnectResult(
            ConnectOutcome.NO_CONNECT_BUTTON,
            via_more=via_more,
            detail=f"names tried: {card.names}; vanity: {public_id}",
            capture=capture,
            rules=card.rules,
        )
    client.session.human.wait()
    button.click()
    settle(page)
    note_sent = _send_from_modal(client, card, note)
    confirmed = _await_sent(client, card, public_id)
    log.info(
        "invitation sent to %s (via More: %s, note: %s, confirmed: %s)",
        public_id,
        via_more,
        note_sent,
        confirmed,
    )
    return ConnectResult(
        ConnectOutcome.SENT, via_more=via_more, note_sent=note_sent, confirmed=confirmed, rules=card.rules
    )


_NO_CLICK = {
    ConnectionStatus.CONNECTED: ConnectOutcome.ALREADY_CONNECTED,
    ConnectionStatus.PENDING: ConnectOutcome.ALREADY_PENDING,
    ConnectionStatus.SELF: ConnectOutcome.SELF,
}


def _voyager_status(client: LinkedInClient, public_id: str) -> tuple[ConnectionStatus, ParsedProfile | None]:
    try:
        profile = client.voyager.get_profile(public_id).parsed
    except VoyagerError as exc:  # the top card still tells pending / 1st; Throttled etc. propagate
        log.info("no Voyager relationship for %s (%s); relying on the top card", public_id, exc)
        return ConnectionStatus.UNKNOWN, None
    return status_from_profile(profile), profile


def _connect_control(card: TopCard) -> tuple[Locator | None, bool]:
    """(this person's Connect control, found in the overflow menu?); the menu stays open when found."""
    direct = card.find(S.CONNECT, control="connect")
    if direct is not None:
        return direct, False
    if card.open_more() is None:
        return None, False
    return card.find_in_menu(S.MENU_CONNECT, control="menu_connect"), True


def _send_from_modal(client: LinkedInClient, card: TopCard, note: str | None) -> bool:
    """Answer the "add a note?" modal; True when the note went out. Raises on limit / error toast."""
    page = client.session.page
    human = client.session.human
    outcomes = {"limit": (page, S.WEEKLY_LIMIT, {}), "error": (page, S.ERROR_TOAST, {})}
    if note:
        outcomes["add_note"] = (page, S.ADD_NOTE, {})
    outcomes["send"] = (page, S.SEND_WITHOUT_NOTE, {})
    outcomes["pending"] = (card.card, S.PENDING, {"name": _name(card)})
    seen = wait_for_any(page, outcomes, MODAL_TIMEOUT_S)
    _raise_on_refusal(page, seen)
    if seen == "pending" or seen is None:
        return False  # sent without a modal (or nothing showed up: the outcome check decides)
    human.wait()
    if note and seen == "add_note":
        find(page, S.ADD_NOTE).click()
        textarea = wait_for_any(page, {"text": (page, S.NOTE_TEXT, {})}, MODAL_TIMEOUT_S)
        if textarea is not None:
            human.type_into(find(page, S.NOTE_TEXT), note)
            human.wait()
            send = find(page, S.SEND_WITH_NOTE)
            if send is not None:
                send.click()
                return True
        raise ConnectFailed("the note form of the invitation modal did not offer a send button")
    if note:
        log.info("the modal offers no note (monthly note quota?); sending without one")
    send = find(page, S.SEND_WITHOUT_NOTE)
    if send is None:
        raise ConnectFailed("the invitation modal has no send button")
    send.click()
    return False


def _await_sent(client: LinkedInClient, card: TopCard, public_id: str) -> bool:
    """After sending: raise on limit / error toast; True when the invitation is seen as pending."""
    page = client.session.page
    seen = wait_for_any(
        page,
        {
            "limit": (page, S.WEEKLY_LIMIT, {}),
            "error": (page, S.ERROR_TOAST, {}),
            "pending": (card.card, S.PENDING, {"name": _name(card)}),
        },
        OUTCOME_TIMEOUT_S,
    )
    _raise_on_refusal(page, seen)
    if seen == "pending":
        return True
    # Creator profiles show Pending under More only: ask Voyager instead of opening menus.
    status, _ = _voyager_status(client, public_id)
    return status is ConnectionStatus.PENDING


def _raise_on_refusal(page, seen: str | None) -> None:
    if seen == "limit":
        raise WeeklyLimitReached("LinkedIn's weekly invitation limit alert appeared")
    if seen == "error":
        toast = find(page, S.ERROR_TOAST)
        raise ConnectFailed(text_of(toast)[:300] if toast is not None else "error toast")


def _name(card: TopCard) -> str:
    return card.names[0] if card.names else ""
