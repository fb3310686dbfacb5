"""Sending a message to one member: the profile's chat overlay, else a new thread with the exact person.

Steps:
1. Open the profile; in the top card, the Message control (2026: a link to
   /messaging/compose/?profileUrn=<the person's URN>; older: a button named "Message", or the overflow
   menu's "... to message" item) opens a chat for this person — an overlay labelled with their name,
   or the compose view the link leads to; type and send there. LinkedIn offers InMail instead of a
   chat to people outside the network: that is `MessageFailed`, not a fallback.
2. When the overlay path is not available, open /messaging/thread/new/, type the name into the
   recipient typeahead and pick the row of exactly this person: by profile link when rows carry one,
   else by exact full name, and among namesakes by headline; still ambiguous -> refuse. Never the
   first hit.
3. An error toast after sending, or a message that stays in the editor -> `MessageFailed(reason)`,
   with a capture of the page (`MessageFailed.capture`) when captures are on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from playwright.sync_api import Locator

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.topcard import TopCard, locate_top_card
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.dom import find, find_all, settle, text_of, wait_for, wait_for_any
from openoutreach.linkedin.errors import InvalidProfileUrl, MessageFailed
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
    capture: str | None = None  # a saved copy of a profile page whose Message control was not found


@dataclass
class _Recipient:
    public_id: str
    full_name: str | None
    headline: str | None
    urn: str | None = None


def send_message(
    client: LinkedInClient,
    url: str,
    text: str,
    *,
    full_name: str | None = None,
    headline: str | None = None,
    prefer_overlay: bool = True,
) -> MessageResult:
    """Send `text` to the 1st-degree connection at `url`; raises MessageFailed with a reason.

    `full_name` / `headline` default to a fresh Voyager read. `prefer_overlay=False` goes straight to
    the new-thread page (the fallback path).
    """
    if not text or not text.strip():
        raise ValueError("message text is empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"a message has at most {MAX_MESSAGE_LENGTH} characters, got {len(text)}")
    canonical = canonical_profile_url(url, client.base_url)
    who = _Recipient(public_id_from_url(canonical, client.base_url), full_name, headline)
    if not who.full_name or not who.headline:
        client.ensure_logged_in()
        profile = client.voyager.get_profile(who.public_id).parsed
        who.full_name = who.full_name or profile.full_name
        who.headline = who.headline or profile.headline
        who.urn = profile.urn
    try:
        return _send(client, canonical, who, text, prefer_overlay)
    except MessageFailed as exc:
        exc.capture = exc.capture or client.capture("message-not-delivered")
        raise


def _send(
    client: LinkedInClient, canonical: str, who: _Recipient, text: str, prefer_overlay: bool
) -> MessageResult:
    capture = None
    if prefer_overlay:
        client.open(canonical)
        client.session.human.read_page()
        card = locate_top_card(
            client.session.page, who.full_name, public_id=who.public_id, profile_urn=who.urn
        )
        if card is None:
            capture = client.capture("message-no-top-card")
        elif card.names:
            who.full_name = who.full_name or card.names[0]
            editor = _open_overlay(client, card)
            if editor is not None:
                _type_and_send(client, editor, text)
                return MessageResult(MessageChannel.OVERLAY)
            capture = client.capture("message-no-message-control")
        log.info("no chat for %s from the profile; falling back to a new thread", who.public_id)
    if not who.full_name:
        raise MessageFailed("the member's name is unknown, so the recipient cannot be picked safely")
    editor = _open_new_thread(client, who)
    _type_and_send(client, editor, text)
    return MessageResult(MessageChannel.NEW_THREAD, capture=capture)


def _open_overlay(client: LinkedInClient, card: TopCard) -> Locator | None:
    """Click the card's Message control; the editor of the chat it opened for this member (or None)."""
    page = client.session.page
    button = card.find(S.MESSAGE_BUTTON, control="message")
    if button is None and card.open_more() is not None:
        button = card.find_in_menu(S.MESSAGE_IN_MENU, control="menu_message")
        if button is None:
            card.close_menu()
    if button is None:
        return None
    client.session.human.wait()
    button.click()
    settle(page)  # the 2026 control is a link: it may navigate to the compose view
    name = card.names[0]
    seen = wait_for_any(
        page,
        {
            "chat": (page, S.CONVERSATION, {"name": name}),
            "upsell": (page, S.INMAIL_UPSELL, {}),
            "editor": (page, S.MESSAGE_EDITOR, {}),
        },
        EDITOR_TIMEOUT_S,
    )
    if seen == "upsell":
        raise MessageFailed(f"{name} is not a connection: LinkedIn offers only InMail")
    if seen == "chat":
        conversation = find(page, S.CONVERSATION, name=name)
        if conversation is not None:
            editor = wait_for(conversation, page, S.MESSAGE_EDITOR, EDITOR_TIMEOUT_S)
            if editor is not None:
                return editor
    if seen is None:
        return None
    conversation = find(page, S.CONVERSATION, name=name)  # the label may render after the editor
    if conversation is not None:
        editor = find(conversation, S.MESSAGE_EDITOR)
        if editor is not None:
            return editor
    # No chat labelled with the name: a compose view opened for this person's URN, or the only
    # editor on the page.
    if (
        card.person.urn
        and "/messaging/compose/" in page.url
        and quote(card.person.urn, safe="") not in page.url
    ):
        return None
    editors = find_all(page, S.MESSAGE_EDITOR)
    return editors[0] if len(editors) == 1 else None


def _open_new_thread(client: LinkedInClient, who: _Recipient) -> Locator:
    page = client.session.page
    client.open("/messaging/thread/new/")
    field = wait_for(page, page, S.NEW_THREAD_INPUT, TYPEAHEAD_TIMEOUT_S)
    if field is None:
        raise MessageFailed("the new-message page has no recipient field", control_missing=True)
    client.session.human.type_into(field, who.full_name or "", clear=True)
    row = _pick_row(client, who)
    client.session.human.wait()
    row.click()
    editor = wait_for(page, page, S.MESSAGE_EDITOR, EDITOR_TIMEOUT_S)
    if editor is None:
        raise MessageFailed("no message editor after choosing the recipient", control_missing=True)
    return editor


def _pick_row(client: LinkedInClient, who: _Recipient) -> Locator:
    """The typeahead row of exactly this member (see the module docstring, step 2)."""
    page = client.session.page
    name = who.full_name or ""
    if wait_for(page, page, S.TYPEAHEAD_ROW, TYPEAHEAD_TIMEOUT_S) is None:
        raise MessageFailed(f"the recipient typeahead found nobody for {name!r}")
    page.wait_for_timeout(300)  # let the result list settle after the last keystroke
    rows = find_all(page, S.TYPEAHEAD_ROW)
    by_link = [r for r in rows if _row_public_id(client, r) == who.public_id.lower()]
    if len(by_link) == 1:
        return by_link[0]
    candidates = [r for r in rows if _fold(_part(r, S.TYPEAHEAD_ROW_NAME)) == _fold(name)]
    if len(candidates) > 1 and who.headline:
        candidates = [
            r for r in candidates if _fold(_part(r, S.TYPEAHEAD_ROW_HEADLINE)) == _fold(who.headline)
        ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise MessageFailed(f"no typeahead row is exactly {name!r} ({len(rows)} rows)")
    raise MessageFailed(
        f"{len(candidates)} typeahead rows are {name!r} with the same headline; refusing to guess"
    )


def _row_public_id(client: LinkedInClient, row: Locator) -> str | None:
    link = find(row, S.PROFILE_LINK)
    if link is None:
        return None
    try:
        return public_id_from_url(link.get_attribute("href") or "", client.base_url).lower()
    except InvalidProfileUrl:
        return None


def _part(row: Locator, chain: S.Chain) -> str:
    """The name or headline line of a typeahead row ("" when the row has no such part)."""
    part = find(row, chain)
    if part is not None:
        return text_of(part)
    if chain is S.TYPEAHEAD_ROW_NAME:  # unknown markup: the name is the row's first line
        lines = [line.strip() for line in row.inner_text().splitlines() if line.strip()]
        return lines[0] if lines else ""
    return ""


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
        raise MessageFailed("the message form has no send button", control_missing=True)
    send.click()
    deadline = time.monotonic() + SENT_TIMEOUT_S
    while True:
        toast = find(page, S.ERROR_TOAST)
        if toast is not None:
            raise MessageFailed(text_of(toast)[:300] or "error toast", after_click=True)
        if not editor.count() or _fold(editor.inner_text()) != _fold(text):
            return  # the editor emptied (or the thread view replaced it): sent
        if time.monotonic() >= deadline:
            raise MessageFailed("the message stayed in the editor after clicking send", after_click=True)
        page.wait_for_timeout(200)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
