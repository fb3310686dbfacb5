"""browser.follow_up's unit of work: send the next sequence step of a claimed Connected deal, exactly once.

Steps (the shared ones live in `outward`): re-take the deal and the person, re-check `may_act`; the
step the task names must be the next one (a step sent meanwhile is never sent again); a deal left
SENDING reads the conversation first (unreadable -> held for review); the stop rules (a reply anywhere,
the step's time, re-read in real time: an out-of-office push-back may have come after the dispatch);
compliance; the live relationship (still a connection?); phase one (SENDING); the send; the outcome
recorded by `transitions.mark_message_sent` (next step scheduled, or Completed after the last). A
failure after the click is resolved the same way; nothing is ever typed twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from chat.models import ChatMessage
from crm.models import Deal
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from openoutreach.linkedin.actions.message import send_message
from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import MessageFailed, ProfileUnavailable
from openoutreach.outreach.models import (
    ActionLog,
    DealState,
    Lane,
    LinkedInAccount,
    OutwardPhase,
    SequenceStep,
)
from openoutreach.pipeline import claims, sequences, stages, transitions
from openoutreach.pipeline.followup import TemplateProblem
from openoutreach.pipeline.stop_rules import automated_messages_stopped, message_due

from .outward import (
    Delivery,
    Outcome,
    Result,
    begin,
    control_not_found,
    full_name,
    hold,
    load,
    log_action,
    message_delivered,
    no_wait,
    refused_by_policy,
)

log = logging.getLogger(__name__)

FOLLOW_UP = ActionLog.Kind.FOLLOW_UP


def follow_up(
    client: LinkedInClient,
    account: LinkedInAccount,
    ds_id: int,
    text: dict | str | None,
    task_id: str = "",
    before_outward=no_wait,
    step: int | None = None,
) -> Outcome:
    ds = load(ds_id)
    if stopped := begin(ds, account, Lane.FOLLOW_UP, stages.CONNECTED, task_id):
        return stopped
    number = ds.sequence_step + 1
    if step is not None and step != number:  # the stable key: (deal, step)
        claims.release_deal(ds, task_id)
        return Outcome(Result.SKIPPED, f"step {step} is not next (steps sent: {ds.sequence_step})")
    current, total = sequences.next_step(ds)
    if current is None and ds.outward != OutwardPhase.SENDING:
        transitions.finish_sequence(ds, account, task_id)
        return Outcome(Result.COMPLETED, "no sequence step left")
    sent = _Sent(number, max(total, number))
    try:
        message, why_not = _message_from_draft(text, ds, current)
    except TemplateProblem as exc:
        message, why_not = "", str(exc)
    # An earlier task may have clicked send: look at the conversation before anything else.
    sending = ds.outward == OutwardPhase.SENDING
    why = "an earlier send was interrupted"
    if sending and (resolved := _resolve_message(client, account, ds, message, task_id, why, sent)):
        return resolved
    if stopped := _stopped(ds, account, task_id):
        return stopped
    if not message_due(ds, timezone.now()):  # e.g. an out-of-office reply pushed it back meanwhile
        claims.release_deal(ds, task_id)
        return Outcome(
            Result.SKIPPED, f"step {number} is not due before {ds.next_message_at:%Y-%m-%d %H:%M} UTC"
        )
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
    ds.refresh_from_db()
    if stopped := _stopped(ds, account, task_id):  # a reply may have arrived (any account) since the dispatch
        return stopped
    if not claims.mark_sending(ds, task_id):
        return Outcome(Result.SKIPPED, "the claim was lost before the click")
    try:
        send_message(client, ds.lead.linkedin.url, message, full_name=full_name(ds))
    except ProfileUnavailable as exc:  # the profile did not open: nothing was typed
        claims.sending_undone(ds)
        return _follow_up_failed(ds, account, str(exc), task_id)
    except MessageFailed as exc:
        if exc.after_click:  # an error toast, or the text still in the editor
            return _resolve_message(
                client, account, ds, message, task_id, str(exc), sent
            ) or _follow_up_failed(ds, account, str(exc), task_id, capture=exc.capture)
        claims.sending_undone(ds)
        return _follow_up_failed(
            ds, account, str(exc), task_id, not_found=exc.control_missing, capture=exc.capture
        )
    return _completed(ds, account, message, task_id, sent)


def _stopped(ds: DealState, account: LinkedInAccount, task_id: str) -> Outcome | None:
    """The person replied (to any campaign, through any account): no automated message any more."""
    reason = automated_messages_stopped(ds)
    if reason is None:
        return None
    claims.release_deal(ds, task_id)
    log_action(account, ds, FOLLOW_UP, ActionLog.Outcome.SKIPPED, reason, task_id)
    return Outcome(Result.SKIPPED, reason)


@dataclass(frozen=True)
class _Sent:
    step: int  # the step this task sends (steps already sent + 1)
    total: int  # steps in the sequence


def _completed(ds: DealState, account: LinkedInAccount, message: str, task_id: str, sent: _Sent) -> Outcome:
    ds = transitions.mark_message_sent(ds, account, message, sent.step, sent.total, task_id)
    ChatMessage.objects.create(
        content_type=ContentType.objects.get_for_model(Deal), object_id=ds.deal_id, content=message,
        owner=account.user,
    )  # fmt: skip
    if ds.state == stages.COMPLETED:
        return Outcome(Result.COMPLETED, message)
    return Outcome(Result.SENT, f"step {sent.step}/{sent.total}: {message}")


def _resolve_message(
    client: LinkedInClient,
    account: LinkedInAccount,
    ds: DealState,
    message: str,
    task_id: str,
    why: str,
    sent: _Sent,
) -> Outcome | None:
    delivery = message_delivered(client, ds, message)
    if delivery is Delivery.DELIVERED:
        return _completed(ds, account, message, task_id, sent)
    if delivery is Delivery.NOT_DELIVERED:
        claims.sending_undone(ds)
        ds.refresh_from_db()
        return None
    return hold(
        ds, account, FOLLOW_UP, f"{why}; the conversation cannot be read to tell if it was sent", task_id
    )


def _message_from_draft(
    draft: dict | str | None, ds: DealState, step: SequenceStep | None
) -> tuple[str, str]:
    """(message, why there is none). The ML worker's draft when it has one; the step's template when
    there is no LLM or its budget is spent; nothing when the draft needs a human (never guessed)."""
    if isinstance(draft, str) and draft.strip():
        return draft, ""
    if isinstance(draft, dict):
        if draft.get("text"):
            return draft["text"], ""
        if draft.get("review"):
            return "", f"the drafted follow-up needs review: {draft['review']}"
        if draft.get("error"):
            return "", f"drafting failed: {draft['error']}"
    if step is None:
        return "", "the sequence has no step left"
    return sequences.render_step(step, ds.campaign, ds.lead), ""


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
