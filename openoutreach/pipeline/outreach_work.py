"""Connect, check pending and follow up: the browser worker's outward actions on claimed deals.

Each function re-reads the deal and the live LinkedIn state before acting, so a task redelivered after
the worker died mid-action never sends a second invitation or message:

- connect: the deal must still be New and claimed by this task; caps and working hours are re-checked
  here (defence in depth: the dispatcher checked them too); the live relationship decides — already
  pending (the click happened before the crash) or connected moves the deal without a click.
- follow_up: before typing, the deal is marked "sending" in the same row; a redelivered task that finds
  that mark does not type again (it cannot know whether the first one got through) and leaves the deal
  for an operator, rather than risk a double message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from chat.models import ChatMessage
from crm.models import Deal
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone

from openoutreach.linkedin.actions.connect import ConnectOutcome, connect
from openoutreach.linkedin.actions.message import send_message
from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import ConnectFailed, MessageFailed, ProfileUnavailable, WeeklyLimitReached
from openoutreach.outreach.models import ActionLog, DealState, LinkedInAccount
from openoutreach.safety import caps, compliance

from . import stages, transitions
from .followup import render_followup

log = logging.getLogger(__name__)

SENDING_MARK = "follow-up sending"


@dataclass
class Outcome:
    result: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"result": self.result, "detail": self.detail}


def _refused(ds: DealState, account: LinkedInAccount, kind: str, now, task_id: str) -> Outcome | None:
    """The worker's own checks before an outward action (the dispatcher made them too): working hours
    and today's cap, then compliance. None when the action may go ahead."""
    if not caps.in_working_hours(account, now) or caps.usage(account, kind, now).remaining <= 0:
        _release(ds)
        return Outcome("skipped", "outside working hours or cap reached (re-checked in the worker)")
    verdict = compliance.check(ds.lead, ds.campaign)
    if not verdict.allowed:
        transitions.mark_failed(
            ds, verdict.reason, account, closing="Do not contact", kind=kind, task_id=task_id
        )
        return Outcome("failed", verdict.reason)
    return None


def _no_wait() -> None:
    pass


def take_claim(ds: DealState, state: str, task_id: str) -> bool:
    """The running task takes (or renews) its claim on the deal: its own claim, or none at all (an
    operator's manual task). A claim that expired and went to another task is not ours any more."""
    now = timezone.now()
    free = Q(claim_task_id="") & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    return bool(
        DealState.objects.filter(pk=ds.pk, state=state)
        .filter(Q(claim_task_id=task_id) | free)
        .update(claim_task_id=task_id, claimed_until=now + timedelta(seconds=settings.CLAIM_SECONDS))
    )


def _release(ds: DealState, **fields) -> None:
    DealState.objects.filter(pk=ds.pk).update(claimed_until=None, claim_task_id="", **fields)


def _log(account, ds, kind, outcome, detail, task_id) -> None:
    ActionLog.objects.create(
        account=account, campaign_id=ds.campaign_id, kind=kind, outcome=outcome, lead_id=ds.lead_id,
        deal_id=ds.deal_id, detail=detail, task_id=task_id,
    )  # fmt: skip


def _full_name(ds: DealState) -> str | None:
    lead = ds.lead
    return f"{lead.first_name} {lead.last_name}".strip() or None


def connect_deal(
    client: LinkedInClient, account: LinkedInAccount, ds_id: int, task_id: str = "", before_outward=_no_wait
) -> Outcome:
    ds = DealState.objects.select_related("lead__linkedin", "campaign__department").get(pk=ds_id)
    now = timezone.now()
    if ds.state != stages.NEW:
        return Outcome("skipped", f"deal is already {ds.state}")
    if not take_claim(ds, stages.NEW, task_id):
        return Outcome("skipped", "the deal is claimed by another task")
    if refused := _refused(ds, account, ActionLog.Kind.CONNECT, now, task_id):
        return refused

    url = ds.lead.linkedin.url
    before_outward()  # the worker's minimum real gap between two outward actions
    try:
        result = connect(client, url, full_name=_full_name(ds))
    except WeeklyLimitReached as exc:
        _, week_end = caps.week_bounds(account, now)
        LinkedInAccount.objects.filter(pk=account.pk).update(connect_paused_until=week_end)
        _release(ds)
        _log(
            account,
            ds,
            ActionLog.Kind.CONNECT,
            ActionLog.Outcome.LIMIT,
            f"{exc}; connects paused until {week_end:%Y-%m-%d %H:%M %Z}",
            task_id,
        )
        return Outcome("limit", str(exc))
    except (ConnectFailed, ProfileUnavailable) as exc:
        return _connect_failed(ds, account, str(exc), task_id)

    if result.outcome in (ConnectOutcome.SENT, ConnectOutcome.ALREADY_PENDING):
        transitions.mark_pending(ds, account, settings.CHECK_PENDING_HOURS / settings.TIME_SCALE, task_id)
        transitions.close_other_campaigns(ds, task_id)
        return Outcome("pending", result.outcome.value)
    if result.outcome is ConnectOutcome.ALREADY_CONNECTED:
        transitions.mark_already_connected(ds, account, task_id)
        transitions.close_other_campaigns(ds, task_id)
        return Outcome("connected", "already a 1st-degree connection")
    return _connect_failed(ds, account, f"{result.outcome.value}: {result.detail}", task_id)


def _connect_failed(ds: DealState, account: LinkedInAccount, reason: str, task_id: str) -> Outcome:
    """Skip with the reason; after CONNECT_MAX_ATTEMPTS tries the deal fails (never an endless retry)."""
    attempts = ds.attempts + 1
    if attempts >= settings.CONNECT_MAX_ATTEMPTS:
        transitions.mark_failed(ds, reason, account, task_id=task_id)
        return Outcome("failed", reason)
    _release(ds, attempts=attempts, last_error=reason[:1000])
    _log(account, ds, ActionLog.Kind.CONNECT, ActionLog.Outcome.SKIPPED, reason, task_id)
    return Outcome("skipped", reason)


def check_pending(
    client: LinkedInClient, account: LinkedInAccount, ds_ids: list[int], task_id: str = ""
) -> dict:
    """Read the live relationship of each Pending deal: accepted -> Connected, gone -> New (once) or
    Failed, still pending -> look again later with the interval doubled."""
    counts = {"connected": 0, "withdrawn": 0, "still_pending": 0, "failed": 0}
    for ds in DealState.objects.select_related("lead__linkedin", "campaign__department").filter(
        pk__in=ds_ids, state=stages.PENDING
    ):
        try:
            status = connection_status(client, ds.lead.linkedin.url, _full_name(ds)).status
        except ProfileUnavailable as exc:
            transitions.mark_failed(
                ds,
                str(exc),
                account,
                closing="Profile unavailable",
                kind=ActionLog.Kind.CHECK_PENDING,
                task_id=task_id,
            )
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
            transitions.reschedule_check(ds)
            counts["still_pending"] += 1
    return counts


def follow_up(
    client: LinkedInClient,
    account: LinkedInAccount,
    ds_id: int,
    text: dict | str | None,
    task_id: str = "",
    before_outward=_no_wait,
) -> Outcome:
    ds = DealState.objects.select_related("lead__linkedin", "campaign__department").get(pk=ds_id)
    now = timezone.now()
    if ds.state != stages.CONNECTED:
        return Outcome("skipped", f"deal is {ds.state}")
    if not take_claim(ds, stages.CONNECTED, task_id):
        return Outcome("skipped", "the deal is claimed by another task")
    if ds.last_error == SENDING_MARK:
        _release(
            ds,
            last_error="follow-up interrupted mid-send: check the conversation, then complete or retry the deal",
        )
        _log(
            account,
            ds,
            ActionLog.Kind.FOLLOW_UP,
            ActionLog.Outcome.FAILED,
            "a previous send was interrupted; not sending again",
            task_id,
        )
        return Outcome("needs_review", "a previous send was interrupted")
    if refused := _refused(ds, account, ActionLog.Kind.FOLLOW_UP, now, task_id):
        return refused

    message, why_not = _message_from_draft(text, ds)
    if why_not:
        return _follow_up_failed(ds, account, why_not, task_id)
    # Any other exception (the browser died mid-typing?) leaves the mark: no retry types again.
    before_outward()
    DealState.objects.filter(pk=ds.pk).update(last_error=SENDING_MARK)
    try:
        send_message(client, ds.lead.linkedin.url, message, full_name=_full_name(ds))
    except (MessageFailed, ProfileUnavailable) as exc:
        return _follow_up_failed(ds, account, str(exc), task_id)
    transitions.mark_completed(ds, account, message, task_id)
    DealState.objects.filter(pk=ds.pk).update(last_error="")
    ChatMessage.objects.create(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=ds.deal_id,
        content=message,
        owner=account.user,
    )
    return Outcome("completed", message)


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


def _follow_up_failed(ds: DealState, account: LinkedInAccount, reason: str, task_id: str) -> Outcome:
    DealState.objects.filter(pk=ds.pk).update(attempts=F("attempts") + 1, last_error=reason[:1000])
    ds.refresh_from_db()
    if ds.attempts >= settings.FOLLOWUP_MAX_ATTEMPTS:
        transitions.mark_failed(
            ds,
            reason,
            account,
            closing="Could not send message",
            kind=ActionLog.Kind.FOLLOW_UP,
            task_id=task_id,
        )
        return Outcome("failed", reason)
    _release(ds, next_check_at=timezone.now() + timedelta(hours=1 / settings.TIME_SCALE))
    _log(account, ds, ActionLog.Kind.FOLLOW_UP, ActionLog.Outcome.SKIPPED, reason, task_id)
    return Outcome("retry_later", reason)
