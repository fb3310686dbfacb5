"""browser.connect's unit of work: send the connection request of a claimed New deal, exactly once.

Steps (the shared ones live in `outward`): re-take the deal and the person, re-check `may_act`; a deal
left SENDING reads the live relationship first; compliance; phase one (SENDING); the click; the outcome
recorded by its transition. A failure after the click (an error toast) reads the relationship again:
pending -> recorded as sent, not connected -> retried later, unreadable -> held for review.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from openoutreach.linkedin.actions.connect import ConnectOutcome, connect
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import ConnectFailed, ProfileUnavailable, WeeklyLimitReached
from openoutreach.outreach.models import (
    ActionLog,
    DealState,
    Lane,
    LanePauseReason,
    LinkedInAccount,
    OutwardPhase,
)
from openoutreach.pipeline import claims, stages, transitions, withdrawal
from openoutreach.safety import caps

from .outward import (
    Delivery,
    Outcome,
    Result,
    begin,
    control_not_found,
    full_name,
    hold,
    invitation_delivery,
    load,
    log_action,
    no_wait,
    refused_by_policy,
)

log = logging.getLogger(__name__)

CONNECT = ActionLog.Kind.CONNECT


def connect_deal(
    client: LinkedInClient, account: LinkedInAccount, ds_id: int, task_id: str = "", before_outward=no_wait
) -> Outcome:
    ds = load(ds_id)
    if stopped := begin(ds, account, Lane.CONNECT, stages.NEW, task_id):
        return stopped
    # An earlier task may have clicked: look at the live relationship before anything else.
    sending = ds.outward == OutwardPhase.SENDING
    why = "an earlier attempt was interrupted"
    if sending and (resolved := _resolve_invitation(client, account, ds, task_id, why)):
        return resolved
    if refused := refused_by_policy(ds, account, CONNECT, task_id):
        return refused
    if ends := withdrawal.in_block(ds.lead_id, timezone.now()):  # LinkedIn would refuse (issue 13)
        why = f"an invitation to this person was withdrawn: LinkedIn blocks a new one until {ends:%Y-%m-%d %H:%M} UTC"
        claims.release_deal(ds, task_id, next_check_at=ends)
        log_action(account, ds, CONNECT, ActionLog.Outcome.SKIPPED, why, task_id)
        return Outcome(Result.SKIPPED, why)

    before_outward()  # the worker's minimum real gap between two outward actions
    if not claims.mark_sending(ds, task_id):
        return Outcome(Result.SKIPPED, "the claim was lost before the click")
    try:
        result = connect(client, ds.lead.linkedin.url, full_name=full_name(ds))
    except WeeklyLimitReached as exc:  # the alert shows instead of sending: nothing went out
        return _weekly_limit(ds, account, str(exc), task_id)
    except ProfileUnavailable as exc:  # the profile is gone: nothing went out
        claims.sending_undone(ds)
        return _connect_failed(ds, account, str(exc), task_id)
    except ConnectFailed as exc:  # maybe after the click (an error toast): the relationship tells
        return _resolve_invitation(client, account, ds, task_id, str(exc)) or _connect_failed(
            ds, account, str(exc), task_id
        )

    if result.outcome in (ConnectOutcome.SENT, ConnectOutcome.ALREADY_PENDING):
        return _pending(ds, account, task_id, result.outcome.value)
    if result.outcome is ConnectOutcome.ALREADY_CONNECTED:
        return _already_connected(ds, account, task_id)
    claims.sending_undone(ds)  # an outcome without a click (no Connect control, ...)
    reason = f"{result.outcome.value}: {result.detail}"
    if result.outcome in (ConnectOutcome.NO_CONNECT_BUTTON, ConnectOutcome.NO_TOP_CARD):
        return _connect_failed(ds, account, reason, task_id, not_found=True, capture=result.capture)
    return _connect_failed(ds, account, reason, task_id)


def _pending(ds: DealState, account: LinkedInAccount, task_id: str, detail: str) -> Outcome:
    transitions.mark_pending(ds, account, settings.CHECK_PENDING_HOURS / settings.TIME_SCALE, task_id)
    transitions.close_other_campaigns(ds, task_id)
    return Outcome(Result.PENDING, detail)


def _already_connected(ds: DealState, account: LinkedInAccount, task_id: str) -> Outcome:
    transitions.mark_already_connected(ds, account, task_id)
    transitions.close_other_campaigns(ds, task_id)
    return Outcome(Result.CONNECTED, "already a 1st-degree connection")


def _resolve_invitation(
    client: LinkedInClient, account: LinkedInAccount, ds: DealState, task_id: str, why: str
) -> Outcome | None:
    """After a send whose delivery is unknown: pending/connected -> record it (no click); not
    connected -> None (SENDING cleared, the caller may go on); unknown -> hold for review."""
    delivery, status = invitation_delivery(client, ds)
    if delivery is Delivery.DELIVERED:
        if status is ConnectionStatus.CONNECTED:
            return _already_connected(ds, account, task_id)
        return _pending(ds, account, task_id, "already_pending")
    if delivery is Delivery.NOT_DELIVERED:
        claims.sending_undone(ds)
        ds.refresh_from_db()
        return None
    return hold(
        ds, account, CONNECT, f"{why}; the relationship cannot be read to tell if it was sent", task_id
    )


def _weekly_limit(ds: DealState, account: LinkedInAccount, reason: str, task_id: str) -> Outcome:
    _, week_end = caps.week_bounds(account, timezone.now())
    account.pause_lane(Lane.CONNECT, LanePauseReason.WEEKLY_LIMIT, reason, until=week_end)
    claims.sending_undone(ds)
    claims.release_deal(ds, task_id)
    detail = f"{reason}; connects paused until {week_end:%Y-%m-%d %H:%M %Z}"
    log_action(account, ds, CONNECT, ActionLog.Outcome.LIMIT, detail, task_id)
    return Outcome(Result.LIMIT, reason)


def _connect_failed(
    ds: DealState,
    account: LinkedInAccount,
    reason: str,
    task_id: str,
    *,
    not_found: bool = False,
    capture: str | None = None,
) -> Outcome:
    """Skip with the reason; after CONNECT_MAX_ATTEMPTS tries the deal fails (never an endless retry).
    `not_found`: the page lacked the Connect control (a NOT_FOUND row with the capture; the breaker)."""
    attempts = ds.attempts + 1
    if not_found:
        control_not_found(account, ds, CONNECT, reason, task_id, capture)
    if attempts >= settings.CONNECT_MAX_ATTEMPTS:
        transitions.mark_failed(ds, reason, account, task_id=task_id)
        return Outcome(Result.FAILED, reason)
    claims.release_deal(ds, task_id, attempts=attempts, last_error=reason[:1000])
    if not not_found:
        log_action(account, ds, CONNECT, ActionLog.Outcome.SKIPPED, reason, task_id)
    return Outcome(Result.SKIPPED, reason)
