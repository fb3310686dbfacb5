"""Sending a message to one member: the profile's chat overlay, else a new thread with the exact person.

Steps:
1. Open the profile; in the top card, the Message control labelled with the member's name (or the
   overflow menu's "... to message" item) opens a chat overlay; type and send there.
2. When the overlay path is not available, open /messaging/thread/new/, type the name into the
   recipient typeahead and pick the row of exactly this person (by profile link when the row has one,
   else by the exact full name; several matches -> refuse). Never the first hit.
3. An error toast after sending -> `MessageFailed(reason)`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from playwright.sync_api import Locator

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.topcard import TopCard, locate_top_card
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.dom import find, find_all, text_of, wait_for
from openoutreach.linkedin.errors import MessageFailed
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url

log = logging.getLogger(__name__)

EDITOR_TIMEOUT_S = 10.0
TYPEAHEAD_TIMEOUT_S = 10.0
SENT_TIMEOUT_S = 10.0
MAX_MESSAGE_LENGTH = 8000


class MessageChannel(StrEnum):
    OVERLAY = "overlay"
    NEW_THREAD = "new_thread"


@dataclass
class MessageResult:
    channel: MessageChannel
    detail: str = ""


def send_message(
    client: LinkedInClient, url: str, text: str, *, full_name: str | None = None
) -> MessageResult:
    """Send `text` to the member at `url` (a 1st-degree connection); raises MessageFailed with a reason."""
    if not text or not text.strip():
        raise ValueError("message text is empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"a message has at most {MAX_MESSAGE_LENGTH} characters, got {len(text)}")
    canonical = canonical_profile_url(url, client.base_url)
    public_id = public_id_from_url(canonical, client.base_url)
    if not full_name:
        client.ensure_logged_in()
        full_name = client.voyager.get_profile(public_id).parsed.full_name
    client.open(canonical)
    client.session.human.read_page()
    card = locate_top_card(client.session.page, full_name)
    if card is not None and card.names:
        editor = _open_overlay(client, card)
        if editor is not None:
            _type_and_send(client, editor, text)
            return MessageResult(MessageChannel.OVERLAY)
        log.info("no chat overlay for %s; falling back to a new thread", public_id)
    name = full_name or (card.names[0] if card and card.names else None)
    if not name:
        raise MessageFailed("the member's name is unknown, so the recipient cannot be picked safely")
    editor = _open_new_thread(client, name, public_id)
    _type_and_send(client, editor, text)
    return MessageResult(MessageChannel.NEW_THREAD)


def _open_overlay(client: LinkedInClient, card: TopCard) -> Locator | None:
    """Click the card's Message control and return the overlay's editor for this member (or None)."""
    page = client.session.page
    button = card.find(S.MESSAGE_BUTTON)
    if button is None and card.open_more():
        button = card.find_in_menu(S.MESSAGE_IN_MENU)
        if button is None:
            card.close_menu()
    if button is None:
        return None
    client.session.human.wait()
    button.click()
    for name in card.names:
        conversation = wait_for(page, page, S.CONVERSATION, EDITOR_TIMEOUT_S / 2, name=name)
        if conversation is not None:
            editor = wait_for(conversation, page, S.MESSAGE_EDITOR, EDITOR_TIMEOUT_S)
            if editor is not None:
                return editor
    # No overlay labelled with the name: use the editor only when it is the only one on the page.
    editors = find_all(page, S.MESSAGE_EDITOR)
    return editors[0] if len(editors) == 1 else None


def _open_new_thread(client: LinkedInClient, name: str, public_id: str) -> Locator:
    page = client.session.page
    client.open("/messaging/thread/new/")
    field = wait_for(page, page, S.NEW_THREAD_INPUT, TYPEAHEAD_TIMEOUT_S)
    if field is None:
        raise MessageFailed("the new-message page has no recipient field")
    client.session.human.type_into(field, name, clear=True)
    row = _pick_row(client, name, public_id)
    client.session.human.wait()
    row.click()
    editor = wait_for(page, page, S.MESSAGE_EDITOR, EDITOR_TIMEOUT_S)
    if editor is None:
        raise MessageFailed("no message editor after choosing the recipient")
    return editor


def _pick_row(client: LinkedInClient, name: str, public_id: str) -> Locator:
    """The typeahead row of exactly this member: by profile link if rows carry one, else by exact name."""
    page = client.session.page
    if wait_for(page, page, S.TYPEAHEAD_ROW, TYPEAHEAD_TIMEOUT_S) is None:
        raise MessageFailed(f"the recipient typeahead found nobody for {name!r}")
    page.wait_for_timeout(300)  # let the result list settle after the last keystroke
    rows = find_all(page, S.TYPEAHEAD_ROW)
    by_link = [r for r in rows if _row_public_id(client, r) == public_id.lower()]
    if len(by_link) == 1:
        return by_link[0]
    wanted = _fold(name)
    by_name = [r for r in rows if _fold(_row_name(r)) == wanted]
    if len(by_name) == 1:
        return by_name[0]
    if not by_name:
        raise MessageFailed(f"no typeahead row is exactly {name!r} ({len(rows)} rows)")
    raise MessageFailed(f"{len(by_name)} typeahead rows are named {name!r}; refusing to guess")


def _row_public_id(client: LinkedInClient, row: Locator) -> str | None:
    link = row.locator('a[href*="/in/"]')
    if link.count():
        try:
            return public_id_from_url(link.first.get_attribute("href") or "", client.base_url).lower()
        except ValueError:
            return None
    return (row.get_attribute("data-public-id") or "").lower() or None


def _row_name(row: Locator) -> str:
    """The name line of a typeahead row (the first line of its text; headline and degree follow)."""
    for selector in ('[class*="name"]', "dt", "strong"):
        part = row.locator(selector)
        if part.count():
            return text_of(part.first)
    lines = [line.strip() for line in row.inner_text().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _type_and_send(client: LinkedInClient, editor: Locator, text: str) -> None:
    """Type, click the send button of the editor's own form, and wait for the editor to empty."""
    page = client.session.page
    human = client.session.human
    human.type_into(editor, text)
    human.wait()
    form = editor.locator("xpath=ancestor::form[1]")
    send = find(form, S.MESSAGE_SEND) if form.count() else None
    send = send or find(page, S.MESSAGE_SEND)
    if send is None:
        raise MessageFailed("the message form has no send button")
    send.click()
    deadline = time.monotonic() + SENT_TIMEOUT_S
    while True:
        toast = find(page, S.ERROR_TOAST)
        if toast is not None:
            raise MessageFailed(text_of(toast)[:300] or "error toast")
        if not editor.count() or _fold(editor.inner_text()) != _fold(text):
            return  # the editor emptied (or the thread view replaced it): sent
        if time.monotonic() >= deadline:
            raise MessageFailed("the message stayed in the editor after clicking send")
        page.wait_for_timeout(200)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
