"""Withdrawing this account's pending invitation to exactly one member, or saying precisely why not.

Steps:
1. Read the fresh Voyager relationship: connected (accepted meanwhile) or not connected (the invitation
   is gone already) -> return without a click.
2. Open the profile, find the top card and THIS person's Pending control in it (the surface doc:
   `a[aria-label="Pending, click to withdraw invitation sent to <Full Name>"]` on 2026 pages; a button
   named "Pending" elsewhere). No Pending control in the card -> the sent-invitations page
   (`/mynetwork/invitation-manager/sent/`), the card that links to this person, its Withdraw control.
3. Click it; a confirmation dialog follows. The surface doc says nothing about it: we key on
   role=dialog holding a button whose name contains "Withdraw" (docs/withdrawal.md), and click that
   button. No such dialog, or an error toast -> `WithdrawFailed(after_click=True)`: the caller reads
   the live state (Pending gone = withdrawn), never clicks blindly again.
4. Confirm from the live state: Voyager (else the top card) no longer shows the invitation pending.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from playwright.sync_api import Locator

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.profile import connection_status, status_from_profile
from openoutreach.linkedin.actions.topcard import ConnectionStatus, locate_top_card
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.dom import exists, find, match, settle, text_of, wait_for_any
from openoutreach.linkedin.errors import VoyagerError, WithdrawFailed
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url

log = logging.getLogger(__name__)

SENT_INVITATIONS_PATH = "/mynetwork/invitation-manager/sent/"
DIALOG_TIMEOUT_S = 10.0
OUTCOME_TIMEOUT_S = 10.0


class WithdrawOutcome(StrEnum):
    WITHDRAWN = "withdrawn"
    NOT_PENDING = "not_pending"  # no invitation to withdraw (withdrawn by hand, declined, expired)
    CONNECTED = "connected"  # accepted meanwhile: nothing to withdraw


@dataclass
class WithdrawResult:
    outcome: WithdrawOutcome
    via: str = ""  # "profile" (the top card's Pending) or "sent_page"
    confirmed: bool = False  # the live state showed the invitation gone afterwards
    detail: str = ""
    rules: dict[str, str] = field(default_factory=dict)


def live_status(client: LinkedInClient, public_id: str) -> ConnectionStatus:
    """The relationship as Voyager states it now (UNKNOWN when it cannot tell)."""
    try:
        return status_from_profile(client.voyager.get_profile(public_id).parsed)
    except VoyagerError as exc:
        log.info("no Voyager relationship for %s (%s)", public_id, exc)
        return ConnectionStatus.UNKNOWN


def withdraw(client: LinkedInClient, url: str, *, full_name: str | None = None) -> WithdrawResult:
    """Withdraw the pending invitation to one member (see the module docstring)."""
    canonical = canonical_profile_url(url, client.base_url)
    public_id = public_id_from_url(canonical, client.base_url)
    client.ensure_logged_in()
    before = live_status(client, public_id)
    if before is ConnectionStatus.CONNECTED:
        return WithdrawResult(WithdrawOutcome.CONNECTED, detail="from Voyager relationship")
    if before is ConnectionStatus.NOT_CONNECTED:
        return WithdrawResult(WithdrawOutcome.NOT_PENDING, detail="from Voyager relationship")

    client.open(canonical)
    client.session.human.read_page()
    page = client.session.page
    rules: dict[str, str] = {}
    control, via = _pending_on_profile(client, full_name, public_id, rules)
    if control is None:
        control = _withdraw_on_sent_page(client, full_name, public_id, rules)
        via = "sent_page"
    if control is None:
        raise WithdrawFailed(
            f"no Pending control on the profile and no Withdraw for {public_id} on the sent-invitations page",
            control_missing=True,
            capture=client.capture("withdraw-no-control"),
        )
    client.session.human.wait()
    control.click()
    settle(page)
    _confirm(client)
    confirmed = _await_gone(client, canonical, full_name)
    log.info("invitation to %s withdrawn (via %s, confirmed: %s)", public_id, via, confirmed)
    return WithdrawResult(WithdrawOutcome.WITHDRAWN, via=via, confirmed=confirmed, rules=rules)


def _pending_on_profile(
    client: LinkedInClient, full_name: str | None, public_id: str, rules: dict[str, str]
) -> tuple[Locator | None, str]:
    card = locate_top_card(client.session.page, full_name, public_id=public_id)
    if card is None:
        return None, "profile"
    found = card.find(S.PENDING, control="pending")
    rules.update(card.rules)
    return found, "profile"


def _withdraw_on_sent_page(
    client: LinkedInClient, full_name: str | None, public_id: str, rules: dict[str, str]
) -> Locator | None:
    client.open(SENT_INVITATIONS_PATH)
    client.session.human.read_page()
    page = client.session.page
    card = match(page, S.SENT_INVITATION_CARD, vanity=public_id)
    if card is None:
        return None
    rules["sent_card"] = card.rule.label
    found = match(card.locator, S.SENT_INVITATION_WITHDRAW, name=full_name or "")
    if found is not None:
        rules["sent_withdraw"] = found.rule.label
    return found.locator if found else None


def _confirm(client: LinkedInClient) -> None:
    """Click Withdraw in the confirmation dialog that follows the click. Unknown shapes raise (after the
    click: the caller reads the live state)."""
    page = client.session.page
    seen = wait_for_any(
        page, {"error": (page, S.ERROR_TOAST, {}), "dialog": (page, S.WITHDRAW_DIALOG, {})}, DIALOG_TIMEOUT_S
    )
    if seen == "error":
        toast = find(page, S.ERROR_TOAST)
        raise WithdrawFailed(text_of(toast)[:300] if toast is not None else "error toast", after_click=True)
    if seen is None:
        raise WithdrawFailed(
            "no confirmation dialog with a Withdraw button after clicking Pending",
            after_click=True,
            control_missing=True,
            capture=client.capture("withdraw-no-dialog"),
        )
    dialog = find(page, S.WITHDRAW_DIALOG)
    button = find(dialog, S.WITHDRAW_CONFIRM) if dialog is not None else None
    if button is None:
        raise WithdrawFailed(
            "the confirmation dialog has no Withdraw button",
            after_click=True,
            control_missing=True,
            capture=client.capture("withdraw-no-confirm"),
        )
    client.session.human.wait()
    button.click()
    deadline = time.monotonic() + OUTCOME_TIMEOUT_S
    while exists(page, S.WITHDRAW_DIALOG) and time.monotonic() < deadline:  # the dialog closes when done
        page.wait_for_timeout(200)
    settle(page)


def _await_gone(client: LinkedInClient, url: str, full_name: str | None) -> bool:
    """After confirming: an error toast raises; True once the live state (Voyager, else the top card) no
    longer shows the invitation pending; False when it cannot tell."""
    page = client.session.page
    if wait_for_any(page, {"error": (page, S.ERROR_TOAST, {})}, 1.0) == "error":
        toast = find(page, S.ERROR_TOAST)
        raise WithdrawFailed(text_of(toast)[:300] if toast is not None else "error toast", after_click=True)
    status = connection_status(client, url, full_name).status
    if status is ConnectionStatus.PENDING:
        raise WithdrawFailed("the invitation still shows as pending after the confirmation", after_click=True)
    return status is ConnectionStatus.NOT_CONNECTED
