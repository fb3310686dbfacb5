"""Connect, check pending and follow up: the browser worker's outward actions on claimed deals.

Each outward function follows the same steps (see `outward` for the shared ones):
1. re-take the deal and the person for this task; re-check the account (pause, lane pause, hours, caps);
2. a deal left SENDING by an earlier task: read the live state first (delivered -> record it, unknown ->
   hold for review, not delivered -> go on);
3. compliance and "contacted through another deal";
4. phase one: SENDING, written only if this task still holds the deal and the person;
5. the click; then the transition that records the outcome clears SENDING. A failure after the click
   reads the live state again; an unexpected crash leaves SENDING for the next task to resolve.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chat.models import ChatMessage
from crm.models import Deal
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from openoutreach.linkedin.actions.connect import ConnectOutcome, connect
from openoutreach.linkedin.actions.message import send_message
from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import ConnectFailed, MessageFailed, ProfileUnavailable, WeeklyLimitReached
from openoutreach.outreach.models import (
    ActionLog,
    DealState,
    Lane,
    LanePauseReason,
    LinkedInAccount,
    OutwardPhase,
)
from openoutreach.safety import caps

from . import claims, stages, transitions
from .followup import render_followup
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
    message_delivered,
    no_wait,
    refused_by_policy,
)

log = logging.getLogger(__name__)

CONNECT = ActionLog.Kind.CONNECT
FOLLOW_UP = ActionLog.Kind.FOLLOW_UP


# -- connect -------------------------------------------------------------------------------------------


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


# -- check pending -------------------------------------------------------------------------------------


def check_pending(
    client: LinkedInClient, account: LinkedInAccount, ds_ids: list[int], task_id: str = ""
) -> dict:
    """Read the live relationship of each Pending deal: accepted -> Connected, gone -> New (once) or
    Failed, still pending -> look again later with the interval doubled. Stops when the account may no
    longer act (re-checked before every profile)."""
    counts = {"connected": 0, "withdrawn": 0, "still_pending": 0, "failed": 0, "not_checked": 0}
    for ds in DealState.objects.select_related("lead__linkedin", "campaign__department").filter(
        pk__in=ds_ids, state=stages.PENDING
    ):
        allowed, why = account.may_act(Lane.CHECK_PENDING)
        if not allowed:
            claims.release_deal(ds)
            counts["not_checked"] += 1
            counts["why_not"] = why
            continue
        try:
            read = connection_status(client, ds.lead.linkedin.url, full_name(ds))
            status = read.status
        except ProfileUnavailable as exc:
            transitions.mark_failed(
                ds, str(exc), account, closing=stages.Closing.PROFILE_UNAVAILABLE,
                kind=ActionLog.Kind.CHECK_PENDING, task_id=task_id,
            )  # fmt: skip
            counts["failed"] += 1
            continue
        if status is ConnectionStatus.CONNECTED:
            transitions.mark_connected(ds, account, task_id)
            counts["connected"] += 1
        elif status is ConnectionStatus.NOT_CONNECTED:
            transitions.mark_withdrawn(
                ds, account, "invitation no longer pending (declined or withdrawn)", task_id
            )
            counts["withdrawn"] += 1
        else:
            if status is ConnectionStatus.UNKNOWN:  # the page told nothing: evidence, and the breaker
                control_not_found(
                    account, ds, ActionLog.Kind.CHECK_PENDING, "the relationship could not be read",
                    task_id, read.capture,
                )  # fmt: skip
            transitions.reschedule_check(ds)
            counts["still_pending"] += 1
    return counts


# -- follow up -----------------------------------------------------------------------------------------


def follow_up(
    client: LinkedInClient,
    account: LinkedInAccount,
    ds_id: int,
    text: dict | str | None,
    task_id: str = "",
    before_outward=no_wait,
) -> Outcome:
    ds = load(ds_id)
    if stopped := begin(ds, account, Lane.FOLLOW_UP, stages.CONNECTED, task_id):
        return stopped
    message, why_not = _message_from_draft(text, ds)
    # An earlier task may have clicked send: look at the conversation before anything else.
    sending = ds.outward == OutwardPhase.SENDING
    why = "an earlier send was interrupted"
    if sending and (resolved := _resolve_message(client, account, ds, message, task_id, why)):
        return resolved
    if refused := refused_by_policy(ds, account, FOLLOW_UP, task_id):
        return refused
    if why_not:
        return _follow_up_failed(ds, account, why_not, task_id)
    # The live relationship, read before phase one: a person who is no longer a connection cannot get a
    # message (and this read is the unit's last step before anything can be sent).
    try:
        status = connection_status(client, ds.lead.linkedin.url, full_name(ds)).status
    except ProfileUnavailable as exc:
        return _follow_up_failed(ds, account, str(exc), task_id)
    if status is not ConnectionStatus.CONNECTED:
        return _follow_up_failed(ds, account, f"not a 1st-degree connection ({status.value})", task_id)

    before_outward()
    if not claims.mark_sending(ds, task_id):
        return Outcome(Result.SKIPPED, "the claim was lost before the click")
    try:
        send_message(client, ds.lead.linkedin.url, message, full_name=full_name(ds))
    except ProfileUnavailable as exc:  # the profile did not open: nothing was typed
        claims.sending_undone(ds)
        return _follow_up_failed(ds, account, str(exc), task_id)
    except MessageFailed as exc:
        if exc.after_click:  # an error toast, or the text still in the editor
            return _resolve_message(client, account, ds, message, task_id, str(exc)) or _follow_up_failed(
                ds, account, str(exc), task_id, capture=exc.capture
            )
        claims.sending_undone(ds)
        return _follow_up_failed(
            ds, account, str(exc), task_id, not_found=exc.control_missing, capture=exc.capture
        )
    return _completed(ds, account, message, task_id)


def _completed(ds: DealState, account: LinkedInAccount, message: str, task_id: str) -> Outcome:
    transitions.mark_completed(ds, account, message, task_id)
    ChatMessage.objects.create(
        content_type=ContentType.objects.get_for_model(Deal), object_id=ds.deal_id, content=message,
        owner=account.user,
    )  # fmt: skip
    return Outcome(Result.COMPLETED, message)


def _resolve_message(
    client: LinkedInClient, account: LinkedInAccount, ds: DealState, message: str, task_id: str, why: str
) -> Outcome | None:
    delivery = message_delivered(client, ds, message)
    if delivery is Delivery.DELIVERED:
        return _completed(ds, account, message, task_id)
    if delivery is Delivery.NOT_DELIVERED:
        claims.sending_undone(ds)
        ds.refresh_from_db()
        return None
    return hold(
        ds, account, FOLLOW_UP, f"{why}; the conversation cannot be read to tell if it was sent", task_id
    )


def _message_from_draft(draft: dict | str | None, ds: DealState) -> tuple[str, str]:
    """(message, why there is none). The ML worker's draft when it has one; the campaign's own template
    when there is no LLM or its budget is spent; nothing when the draft needs a human (never guessed)."""
    if isinstance(draft, str) and draft.strip():
        return draft, ""
    if isinstance(draft, dict):
        if draft.get("text"):
            return draft["text"], ""
        if draft.get("review"):
            return "", f"the drafted follow-up needs review: {draft['review']}"
        if draft.get("error"):
            return "", f"drafting failed: {draft['error']}"
    return render_followup(ds.campaign, ds.lead), ""


def _follow_up_failed(
    ds: DealState,
    account: LinkedInAccount,
    reason: str,
    task_id: str,
    *,
    not_found: bool = False,
    capture: str | None = None,
) -> Outcome:
    """Nothing was sent: retry an hour later, and fail the deal after FOLLOWUP_MAX_ATTEMPTS.
    `not_found`: the page lacked a messaging control (a NOT_FOUND row with the capture; the breaker)."""
    DealState.objects.filter(pk=ds.pk).update(attempts=F("attempts") + 1, last_error=reason[:1000])
    ds.refresh_from_db()
    if not_found:
        control_not_found(account, ds, FOLLOW_UP, reason, task_id, capture)
    if ds.attempts >= settings.FOLLOWUP_MAX_ATTEMPTS:
        transitions.mark_failed(
            ds, reason, account, closing=stages.Closing.MESSAGE_FAILED, kind=FOLLOW_UP, task_id=task_id
        )
        return Outcome(Result.FAILED, reason)
    claims.release_deal(ds, task_id, next_check_at=timezone.now() + timedelta(hours=1 / settings.TIME_SCALE))
    if not not_found:
        log_action(account, ds, FOLLOW_UP, ActionLog.Outcome.SKIPPED, reason, task_id, capture)
    return Outcome(Result.RETRY_LATER, reason)
