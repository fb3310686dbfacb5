"""What every outward action of the browser worker shares: the typed outcome, the start of a unit of
work (claim re-taken, safety re-checked, person re-checked), and reading the live state after a send
whose delivery is unknown.

Two phases: `claims.mark_sending` writes SENDING right before the click; only a transition that knows
the outcome clears it. A task that finds SENDING (its predecessor died or failed after the click) reads
the live state first: the relationship for an invitation (`connection_status`), the conversation for a
message (`message_delivered`, from the thread). Delivered -> record it without sending; not delivered -> go ahead;
unknown -> hold the deal for an operator (closing reason "Delivery unknown"). Never send twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from openoutreach.linkedin.actions.inbox import InboxUnreadable
from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import LinkedInError, ProfileUnavailable
from openoutreach.outreach.models import ActionLog, DealState, LinkedInAccount
from openoutreach.pipeline import claims, stages, transitions
from openoutreach.safety import breaker, compliance

log = logging.getLogger(__name__)


class Result(StrEnum):
    PENDING = "pending"
    CONNECTED = "connected"
    COMPLETED = "completed"
    SENT = "sent"  # a sequence step went out; more steps follow
    WITHDRAWN = "withdrawn"
    SKIPPED = "skipped"
    FAILED = "failed"
    LIMIT = "limit"
    RETRY_LATER = "retry_later"
    HELD = "held_for_review"


@dataclass
class Outcome:
    result: Result
    detail: str = ""

    def as_dict(self) -> dict:
        return {"result": str(self.result), "detail": self.detail}


class Delivery(StrEnum):
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    UNKNOWN = "unknown"


def no_wait() -> None:
    """The default `before_outward`: direct calls (tests, the shell) keep no gap."""


def load(ds_id: int) -> DealState:
    return DealState.objects.select_related("lead__linkedin", "campaign__department", "account").get(pk=ds_id)


def full_name(ds: DealState) -> str | None:
    return f"{ds.lead.first_name} {ds.lead.last_name}".strip() or None


def log_action(
    account, ds: DealState, kind: str, outcome: str, detail: str, task_id: str, capture: str | None = None
) -> None:
    ActionLog.objects.create(
        account=account, campaign_id=ds.campaign_id, kind=kind, outcome=outcome, lead_id=ds.lead_id,
        deal_id=ds.deal_id, detail=detail, task_id=task_id, capture=capture or "",
    )  # fmt: skip


def control_not_found(
    account, ds: DealState, kind: str, detail: str, task_id: str, capture: str | None
) -> None:
    """The page lacked the control this action needs: a NOT_FOUND row (with the capture, if any), which
    the breaker counts; enough of them in a row pause this lane for the account."""
    log_action(account, ds, kind, ActionLog.Outcome.NOT_FOUND, detail, task_id, capture)
    breaker.record(account, kind, task_id)


def begin(ds: DealState, account: LinkedInAccount, lane: str, state: str, task_id: str) -> Outcome | None:
    """The worker's own checks before an outward unit of work (the dispatcher made them too): the deal
    is still in `state`, this task (re)takes the deal AND the person, and the account may act in this
    lane now (pause, lane pause, working hours, caps). None when the unit may go on."""
    if ds.state != state:
        return Outcome(Result.SKIPPED, f"deal is {ds.state}")
    if not claims.renew_deal(ds, task_id, state=state, outward=True):
        return Outcome(Result.SKIPPED, "the deal or its person is claimed by another task")
    ds.refresh_from_db()
    allowed, why = account.may_act(lane)
    if not allowed:
        claims.release_deal(ds, task_id)
        return Outcome(Result.SKIPPED, f"{why} (re-checked in the worker)")
    return None


def refused_by_policy(ds: DealState, account: LinkedInAccount, kind: str, task_id: str) -> Outcome | None:
    """Compliance (do-not-contact, opt-in jurisdictions) and "contacted through another deal"."""
    verdict = compliance.check(ds.lead, ds.campaign)
    if not verdict.allowed:
        transitions.mark_failed(
            ds, verdict.reason, account, closing=stages.Closing.DO_NOT_CONTACT, kind=kind, task_id=task_id
        )
        return Outcome(Result.FAILED, verdict.reason)
    owner = claims.person_owner(ds.lead_id)
    contacted = stages.PENDING, stages.CONNECTED, stages.COMPLETED
    elsewhere = DealState.objects.filter(lead_id=ds.lead_id).exclude(pk=ds.pk)
    if (owner is not None and owner.deal_state_id != ds.pk) or elsewhere.filter(
        Q(state__in=contacted) | Q(contacted_at__isnull=False)
    ).exists():
        reason = "this person was contacted (or is being contacted) through another deal"
        transitions.mark_failed(
            ds, reason, account, closing=stages.Closing.CONTACTED_ELSEWHERE, kind=kind, task_id=task_id
        )
        return Outcome(Result.FAILED, reason)
    return None


def invitation_delivery(client: LinkedInClient, ds: DealState) -> tuple[Delivery, ConnectionStatus | None]:
    """Did an invitation reach the person? The live relationship tells (pending or connected: yes)."""
    try:
        status = connection_status(client, ds.lead.linkedin.url, full_name(ds)).status
    except ProfileUnavailable:
        return Delivery.NOT_DELIVERED, None  # nobody to invite any more
    except LinkedInError as exc:
        log.warning("deal %s: could not read the relationship: %s", ds.pk, exc)
        return Delivery.UNKNOWN, None
    if status in (ConnectionStatus.PENDING, ConnectionStatus.CONNECTED):
        return Delivery.DELIVERED, status
    if status is ConnectionStatus.NOT_CONNECTED:
        return Delivery.NOT_DELIVERED, status
    return Delivery.UNKNOWN, status


def message_delivered(client: LinkedInClient, ds: DealState, text: str | None) -> Delivery:
    """Did a message reach the person? The conversation tells (`inbox.thread_of`): our message with this
    text in the thread -> DELIVERED; the thread read and the text absent -> NOT_DELIVERED; no thread of
    the person found, or a page the reader cannot read -> UNKNOWN (the deal is held for review; an
    unreadable page also leaves its capture and counts for the inbox breaker)."""
    from .inbox import thread_of, unreadable

    if not text or ds.account is None:
        return Delivery.UNKNOWN
    try:
        read = thread_of(client, ds.account, ds)
    except InboxUnreadable as exc:
        log.warning("deal %s: the conversation could not be read: %s", ds.pk, exc.reason)
        unreadable(ds.account, exc, "")
        return Delivery.UNKNOWN
    except LinkedInError as exc:
        log.warning("deal %s: the conversation could not be opened: %s", ds.pk, exc)
        return Delivery.UNKNOWN
    if read is None:
        return Delivery.UNKNOWN
    wanted = _fold(text)
    if any(not m.from_participant and _fold(m.text) == wanted for m in read.messages):
        return Delivery.DELIVERED
    return Delivery.NOT_DELIVERED


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def hold(ds: DealState, account: LinkedInAccount, kind: str, detail: str, task_id: str) -> Outcome:
    transitions.hold_delivery_unknown(ds, account, kind, detail, task_id)
    log.warning("deal %s held for review: %s", ds.pk, detail)
    return Outcome(Result.HELD, detail)
