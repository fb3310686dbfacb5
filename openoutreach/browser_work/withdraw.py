"""browser.withdraw's unit of work: withdraw the stale invitation of a claimed Pending deal, exactly once.

Steps (the shared ones live in `outward`): re-take the deal and the person, re-check `may_act` (hours,
the daily withdrawal cap, lane pauses); a deal left SENDING reads the live relationship first; phase
one (SENDING); the click on Pending (or the sent-invitations page's Withdraw) and its confirmation;
the outcome recorded by `transitions.mark_invitation_withdrawn`. A failure after the click reads the
live state: the invitation no longer pending = withdrawn; still pending = not withdrawn (SENDING
cleared, tried again later); unreadable = held for an operator. Never clicked twice blindly.
"""

from __future__ import annotations

import logging

from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.actions.withdraw import WithdrawOutcome, withdraw
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import LinkedInError, ProfileUnavailable, WithdrawFailed
from openoutreach.outreach.models import ActionLog, DealState, Lane, LinkedInAccount, OutwardPhase
from openoutreach.pipeline import claims, stages, transitions

from .outward import (
    Outcome,
    Result,
    begin,
    control_not_found,
    full_name,
    hold,
    load,
    log_action,
    no_wait,
)

log = logging.getLogger(__name__)

WITHDRAW = ActionLog.Kind.WITHDRAW


def withdraw_deal(
    client: LinkedInClient, account: LinkedInAccount, ds_id: int, task_id: str = "", before_outward=no_wait
) -> Outcome:
    ds = load(ds_id)
    if stopped := begin(ds, account, Lane.WITHDRAW, stages.PENDING, task_id):
        return stopped
    # An earlier task may have clicked: the live state decides before anything else.
    sending = ds.outward == OutwardPhase.SENDING
    why = "an earlier withdrawal was interrupted"
    if sending and (resolved := _resolve(client, account, ds, task_id, why)):
        return resolved

    before_outward()  # the worker's minimum real gap between two outward actions
    if not claims.mark_sending(ds, task_id):
        return Outcome(Result.SKIPPED, "the claim was lost before the click")
    try:
        result = withdraw(client, ds.lead.linkedin.url, full_name=full_name(ds))
    except ProfileUnavailable as exc:  # nothing was clicked; the member (and the invitation) is gone
        claims.sending_undone(ds)
        transitions.mark_failed(
            ds, str(exc), account, closing=stages.Closing.PROFILE_UNAVAILABLE, kind=WITHDRAW, task_id=task_id
        )
        return Outcome(Result.FAILED, str(exc))
    except WithdrawFailed as exc:
        if exc.control_missing:
            control_not_found(account, ds, WITHDRAW, exc.reason, task_id, exc.capture)
        if exc.after_click:
            return _resolve(client, account, ds, task_id, exc.reason) or _failed(
                ds, account, exc.reason, task_id
            )
        claims.sending_undone(ds)
        return _failed(ds, account, exc.reason, task_id, logged=exc.control_missing)
    if result.outcome is WithdrawOutcome.CONNECTED:  # accepted before we could withdraw: nothing clicked
        claims.sending_undone(ds)
        transitions.mark_connected(ds, account, task_id)
        return Outcome(Result.CONNECTED, "the invitation was accepted before it could be withdrawn")
    clicked = result.outcome is WithdrawOutcome.WITHDRAWN
    if clicked:
        unconfirmed = "" if result.confirmed else " (the live state could not confirm it)"
        detail = f"invitation withdrawn via {result.via}{unconfirmed}"
    else:
        detail = "the invitation was no longer pending"
    transitions.mark_invitation_withdrawn(ds, account, detail, task_id, clicked=clicked)
    return Outcome(Result.WITHDRAWN, detail)


def _resolve(
    client: LinkedInClient, account: LinkedInAccount, ds: DealState, task_id: str, why: str
) -> Outcome | None:
    """After a click whose outcome is unknown: Pending gone = withdrawn; still pending = not withdrawn
    (SENDING cleared, None: the caller may go on); accepted = Connected; unreadable = held."""
    try:
        status = connection_status(client, ds.lead.linkedin.url, full_name(ds)).status
    except ProfileUnavailable:
        status = ConnectionStatus.NOT_CONNECTED  # the member is gone: so is the invitation
    except LinkedInError as exc:
        log.warning("deal %s: could not read the relationship: %s", ds.pk, exc)
        status = ConnectionStatus.UNKNOWN
    if status is ConnectionStatus.NOT_CONNECTED:
        transitions.mark_invitation_withdrawn(
            ds, account, f"withdrawn (read from the live state after: {why})", task_id
        )
        return Outcome(Result.WITHDRAWN, why)
    if status is ConnectionStatus.CONNECTED:
        claims.sending_undone(ds)
        transitions.mark_connected(ds, account, task_id)
        return Outcome(Result.CONNECTED, "the invitation was accepted")
    if status is ConnectionStatus.PENDING:
        claims.sending_undone(ds)
        ds.refresh_from_db()
        return None
    return hold(
        ds, account, WITHDRAW, f"{why}; the relationship cannot be read to tell if it was withdrawn", task_id
    )


def _failed(
    ds: DealState, account: LinkedInAccount, reason: str, task_id: str, *, logged: bool = False
) -> Outcome:
    """Nothing was withdrawn: the deal stays Pending (its acceptance is still checked) and is tried again
    at a later slot; after `withdrawal.MAX_ATTEMPTS` failed rows the lane leaves it alone."""
    if not logged:
        log_action(account, ds, WITHDRAW, ActionLog.Outcome.FAILED, reason, task_id)
    claims.release_deal(ds, task_id)
    return Outcome(Result.RETRY_LATER, reason)
