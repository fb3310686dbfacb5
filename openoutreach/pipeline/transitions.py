"""The state machine of a person in a campaign. Every transition is one function that writes the CRM
stage, our indexed copy of it (DealState.state) and the ActionLog row together, in one transaction.

    promote  -> New        (qualified: Contact + Company + Deal in the campaign's department)
    New      -> Pending    (invitation sent)            -> Connected (already 1st degree)
    Pending  -> Connected  (accepted)                   -> New (withdrawn/declined, at most once)
    Connected-> Connected  (a sequence step sent, more to come)  -> Completed (the last step sent)
    Pending  -> Failed "Invitation withdrawn" (stale)  -> New (re-invite allowed, after the block, once)
    any      -> Failed     (terminal, with a closing reason)
    New      -> Failed "Held for review" -> New   (the qualifier's second look, before any contact)
    New/Connected -> Failed "Delivery unknown"   (an outward action may or may not have reached the person)

Transitions that record an outward action reaching the person clear the deal's SENDING phase and bind the
person to this deal (`claims.reached_person`) in the same transaction. The webhook events a move causes
(invitation.sent, invitation.accepted, message.sent, deal.completed, deal.failed) are written to the
outbox in that transaction too (openoutreach/webhooks/outbox.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from crm.models import ClosingReason, Company, Contact, Deal, Lead, Stage
from crm.utils.ticketproc import new_ticket
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, Campaign, DealState, LinkedInAccount, OutwardPhase
from openoutreach.webhooks import events as webhook_events
from openoutreach.webhooks import outbox
from openoutreach.webhooks.events import EventType

from . import claims, sequences, stages
from .crm_setup import ensure_department

log = logging.getLogger(__name__)

NEXT_STEPS = {
    stages.NEW: "Send a connection request",
    stages.PENDING: "Wait for the invitation to be accepted",
    stages.CONNECTED: "Send the next message of the sequence",
    stages.COMPLETED: "Wait for a reply",
    stages.REPLIED: "Read the reply and answer",
    stages.FAILED: "Nothing (closed)",
}


class TransitionRefused(RuntimeError):
    """The deal is not in a state this transition starts from (someone else moved it first)."""


def _stage(campaign: Campaign, name: str) -> Stage:
    stage = Stage.objects.filter(department=campaign.department, name=name).first()
    if stage is None:  # a campaign created before setup_crm: give it its pipeline now
        ensure_department(campaign.department)
        stage = Stage.objects.get(department=campaign.department, name=name)
    return stage


def _company_for(lead: Lead) -> Company:
    if lead.company_id:
        return lead.company
    name = lead.company_name or f"{lead.first_name} {lead.last_name}".strip() or "Independent"
    company, _ = Company.objects.get_or_create(full_name=name[:200], country=lead.country)
    return company


@transaction.atomic
def promote(lead: Lead, campaign: Campaign, score: float | None = None) -> DealState:
    """A qualified lead gets a Contact, a Company and a Deal at New in the campaign (idempotent)."""
    existing = DealState.objects.filter(campaign=campaign, lead=lead).first()
    if existing:
        return existing
    company = _company_for(lead)
    contact = lead.contact or Contact.objects.create(
        first_name=lead.first_name, last_name=lead.last_name, title=lead.title, company=company,
        country=lead.country, city_name=lead.city_name, description=lead.website, department=campaign.department,
    )  # fmt: skip
    if lead.contact_id is None:
        Lead.objects.filter(pk=lead.pk).update(contact=contact, company=company)
    full_name = f"{lead.first_name} {lead.last_name}".strip()
    deal = Deal.objects.create(
        name=f"{campaign.name}: {full_name}"[:250],
        next_step=NEXT_STEPS[stages.NEW],
        next_step_date=timezone.localdate(),
        stage=_stage(campaign, stages.NEW),
        lead=lead,
        contact=contact,
        company=company,
        department=campaign.department,
        description=lead.website,
        ticket=new_ticket(),  # unique in DjangoCRM's table; its own forms draw one the same way
    )
    return DealState.objects.create(deal=deal, campaign=campaign, lead=lead, score=score, state=stages.NEW)


def _closing_reason(campaign: Campaign, name: str) -> ClosingReason | None:
    """The department's closing reason of that name (a department set up before the reason existed gets
    the current list first)."""
    found = ClosingReason.objects.filter(department=campaign.department, name=name).first()
    if found is None:
        ensure_department(campaign.department)
        found = ClosingReason.objects.filter(department=campaign.department, name=name).first()
    return found


def _move(
    ds: DealState,
    to: str,
    *,
    frm: tuple[str, ...],
    kind: str,
    outcome: str = ActionLog.Outcome.OK,
    account: LinkedInAccount | None = None,
    detail: str = "",
    task_id: str = "",
    closing_reason: stages.Closing | None = None,
    reached: bool = False,
    events: tuple[EventType, ...] = (),
    where: dict | None = None,
    **state_fields,
) -> DealState:
    """Conditional move: only from one of `frm` (0 rows changed = someone else moved it first), and
    only where the `where` column values still hold.
    `reached`: an outward action reached the person: bind them to this deal and clear SENDING.
    `events`: the webhook events this move causes, recorded in the same transaction."""
    if closing_reason is not None:
        closing_reason = stages.Closing(closing_reason)
    if reached:
        state_fields.setdefault("outward", OutwardPhase.IDLE)
    with transaction.atomic():
        changed = DealState.objects.filter(pk=ds.pk, state__in=frm, **(where or {})).update(
            state=to, **state_fields
        )
        if not changed:
            raise TransitionRefused(f"deal {ds.deal_id} is not in {frm} {where or ''} (wanted -> {to})")
        if reached:
            claims.bind_person(ds)
        deal = Deal.objects.get(pk=ds.deal_id)
        deal.stage = _stage(ds.campaign, to)
        deal.next_step = NEXT_STEPS[to]
        deal.next_step_date = timezone.localdate()
        if closing_reason is not None:
            deal.closing_reason = _closing_reason(ds.campaign, closing_reason)
            deal.closing_date = timezone.localdate()
            deal.active = to != stages.FAILED
        deal.save()
        ActionLog.objects.create(
            account=account, campaign=ds.campaign, kind=kind, outcome=outcome, lead_id=ds.lead_id, deal=deal,
            detail=detail or f"{'/'.join(frm)} -> {to}", task_id=task_id,
        )  # fmt: skip
        for event in events:
            _emit(event, ds, to, account, closing_reason)
    ds.refresh_from_db()
    return ds


def _emit(
    event: EventType, ds: DealState, to: str, account: LinkedInAccount | None, closing: stages.Closing | None
) -> None:
    """Record one webhook event of a move (its payload is built only when an endpoint wants it)."""

    def data() -> dict:
        payload = webhook_events.deal_data(
            ds, account=account, stage=to, closing_reason=None if closing is None else closing.value
        )
        if event == EventType.MESSAGE_SENT:  # the one follow-up is step 1 of a one-step sequence
            step = DealState.objects.filter(pk=ds.pk).values_list("sequence_step", flat=True).first()
            payload["step"] = max(step or 0, 1)
        return payload

    outbox.emit(event, campaign=ds.campaign, data=data)


def mark_pending(
    ds: DealState, account: LinkedInAccount, first_check_hours: float, task_id: str = ""
) -> DealState:
    now = timezone.now()
    return _move(
        ds, stages.PENDING, frm=(stages.NEW,), kind=ActionLog.Kind.CONNECT, account=account, task_id=task_id,
        detail="invitation sent", contacted_at=now, account_id=account.pk, claimed_until=None, claim_task_id="",
        next_check_at=now + timedelta(hours=first_check_hours), check_interval_hours=first_check_hours, reached=True,
        events=(EventType.INVITATION_SENT,),
    )  # fmt: skip


def mark_already_connected(ds: DealState, account: LinkedInAccount, task_id: str = "") -> DealState:
    """A 1st-degree connection goes straight to Connected; no invitation was sent (no cap used)."""
    return _move(
        ds, stages.CONNECTED, frm=(stages.NEW,), kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.SKIPPED,
        account=account, task_id=task_id, detail="already a 1st-degree connection", account_id=account.pk,
        claimed_until=None, claim_task_id="", next_check_at=None, attempts=0, reached=True,
        next_message_at=sequences.first_message_at(ds.campaign, timezone.now()),
    )  # fmt: skip


def mark_connected(ds: DealState, account: LinkedInAccount | None, task_id: str = "") -> DealState:
    return _move(
        ds, stages.CONNECTED, frm=(stages.PENDING,), kind=ActionLog.Kind.CHECK_PENDING, account=account,
        task_id=task_id, detail="invitation accepted", next_check_at=None, attempts=0, claimed_until=None,
        claim_task_id="", next_message_at=sequences.first_message_at(ds.campaign, timezone.now()),
        events=(EventType.INVITATION_ACCEPTED,),
    )  # fmt: skip


def mark_withdrawn(
    ds: DealState, account: LinkedInAccount | None, reason: str, task_id: str = ""
) -> DealState:
    """Declined or withdrawn: back to New once; a second time it fails (no invitation loops)."""
    if ds.attempts >= 1:
        return mark_failed(ds, f"{reason} (again)", account, closing=stages.Closing.DECLINED, task_id=task_id)
    return _move(
        ds, stages.NEW, frm=(stages.PENDING,), kind=ActionLog.Kind.CHECK_PENDING, outcome=ActionLog.Outcome.SKIPPED,
        account=account, task_id=task_id, detail=reason, attempts=ds.attempts + 1, next_check_at=None, claimed_until=None,
        claim_task_id="",
    )  # fmt: skip


def hold_for_review(ds: DealState, detail: str, task_id: str = "") -> DealState:
    """The qualifier doubts a lead it promoted: its deal closes as "Held for review" while nobody has
    contacted the person (New and not claimed by a lane); TransitionRefused otherwise."""
    now = timezone.now()
    unclaimed = DealState.objects.filter(pk=ds.pk, outward=OutwardPhase.IDLE).filter(claims.unclaimed(now))
    with transaction.atomic():
        if not unclaimed.select_for_update().filter(state=stages.NEW).exists():
            raise TransitionRefused(f"deal {ds.deal_id} is contacted or claimed: it cannot be held")
        return _move(
            ds, stages.FAILED, frm=(stages.NEW,), kind=ActionLog.Kind.QUALIFY, outcome=ActionLog.Outcome.SKIPPED,
            task_id=task_id, detail=detail, closing_reason=stages.HELD_FOR_REVIEW, claimed_until=None, claim_task_id="",
        )  # fmt: skip


def release_hold(ds: DealState, detail: str, task_id: str = "") -> DealState:
    """A later model no longer doubts a held lead: its deal goes back to New (only from "Held for review")."""
    with transaction.atomic():
        deal = Deal.objects.select_related("closing_reason").get(pk=ds.deal_id)
        if (
            ds.state != stages.FAILED
            or deal.closing_reason is None
            or deal.closing_reason.name != stages.HELD_FOR_REVIEW
        ):
            raise TransitionRefused(f"deal {ds.deal_id} is not held for review")
        contacted = DealState.objects.filter(lead_id=ds.lead_id).exclude(pk=ds.pk)
        owner = claims.person_owner(ds.lead_id)
        if contacted.exclude(state__in=(stages.NEW, stages.FAILED)).exists() or (
            owner is not None and owner.deal_state_id != ds.pk and owner.contacted_at is not None
        ):
            raise TransitionRefused(f"lead {ds.lead_id} was contacted through another campaign meanwhile")
        ds = _move(
            ds, stages.NEW, frm=(stages.FAILED,), kind=ActionLog.Kind.QUALIFY, task_id=task_id, detail=detail,
            last_error="",
        )  # fmt: skip
        Deal.objects.filter(pk=ds.deal_id).update(closing_reason=None, closing_date=None, active=True)
    return ds


def reschedule_check(ds: DealState, factor: float = 2.0, max_hours: float = 24 * 32) -> DealState:
    """Still pending: look again later, with the interval doubled (exponential backoff)."""
    hours = min(ds.check_interval_hours * factor, max_hours)
    claims.release_deal(ds, check_interval_hours=hours, next_check_at=timezone.now() + timedelta(hours=hours))
    ds.refresh_from_db()
    return ds


def mark_completed(
    ds: DealState, account: LinkedInAccount, message: str, task_id: str = "", step: int | None = None
) -> DealState:
    """The sequence's last step was sent (`step`: its number, checked against the steps already sent)."""
    where, fields = {}, {"sequence_step": F("sequence_step") + 1}
    if step is not None:
        where, fields = {"sequence_step": step - 1}, {"sequence_step": step}
    return _move(
        ds, stages.COMPLETED, frm=(stages.CONNECTED,), kind=ActionLog.Kind.FOLLOW_UP, account=account,
        task_id=task_id, detail=message[:500], closing_reason=stages.Closing.FOLLOW_UP_SENT, claimed_until=None,
        claim_task_id="", reached=True, where=where, next_message_at=None, **fields,
        events=(EventType.MESSAGE_SENT, EventType.DEAL_COMPLETED),
    )  # fmt: skip


def mark_message_sent(
    ds: DealState, account: LinkedInAccount, message: str, step: int, total: int, task_id: str = ""
) -> DealState:
    """Sequence step `step` of `total` reached the person: THE place a sent automated message is recorded.

    Exactly once per step: the move is conditional on `sequence_step == step - 1`, so a second record of
    the same step is refused. Not the last step: the deal stays Connected with `sequence_step = step`
    and `next_message_at` = now + the next step's delay. The last step: the deal moves to Completed.
    """
    detail = f"sequence step {step}/{total}: {message}"
    if step >= total:
        return mark_completed(ds, account, detail, task_id, step=step)
    following = sequences.steps(ds.campaign)[step] if step < total else None
    return _move(
        ds, stages.CONNECTED, frm=(stages.CONNECTED,), kind=ActionLog.Kind.FOLLOW_UP, account=account,
        task_id=task_id, detail=detail[:500], claimed_until=None, claim_task_id="", reached=True, attempts=0,
        where={"sequence_step": step - 1}, sequence_step=step, next_check_at=None,
        next_message_at=timezone.now() + sequences.delay(following), events=(EventType.MESSAGE_SENT,),
    )  # fmt: skip


def finish_sequence(ds: DealState, account: LinkedInAccount | None, task_id: str = "") -> DealState:
    """No step is left to send (steps were removed after this deal started): Completed, nothing sent."""
    return _move(
        ds, stages.COMPLETED, frm=(stages.CONNECTED,), kind=ActionLog.Kind.FOLLOW_UP, account=account,
        outcome=ActionLog.Outcome.SKIPPED, task_id=task_id, closing_reason=stages.Closing.FOLLOW_UP_SENT,
        detail=f"the sequence has no step after step {ds.sequence_step}", claimed_until=None, claim_task_id="",
        next_message_at=None, events=(EventType.DEAL_COMPLETED,),
    )  # fmt: skip


def mark_invitation_withdrawn(
    ds: DealState, account: LinkedInAccount, detail: str, task_id: str = "", *, clicked: bool = True
) -> DealState:
    """A stale invitation was withdrawn: THE place a withdrawal is recorded. The deal closes as
    "Invitation withdrawn" with `withdrawn_at` (LinkedIn's re-invite block starts now); the person stays
    bound to this deal. `clicked` False: it was already gone (withdrawn by hand, expired): recorded, but
    not counted against the account's daily withdrawal cap (ActionLog outcome skipped)."""
    now = timezone.now()
    with transaction.atomic():
        ds = _move(
            ds, stages.FAILED, frm=(stages.PENDING,), kind=ActionLog.Kind.WITHDRAW, account=account,
            outcome=ActionLog.Outcome.OK if clicked else ActionLog.Outcome.SKIPPED, task_id=task_id,
            detail=detail, closing_reason=stages.Closing.INVITATION_WITHDRAWN, claimed_until=None,
            claim_task_id="", next_check_at=None, outward=OutwardPhase.IDLE, withdrawn_at=now,
            withdrawals=ds.withdrawals + 1, events=(EventType.INVITATION_WITHDRAWN, EventType.DEAL_FAILED),
        )  # fmt: skip
        claims.release_deal(ds)
        claims.sending_undone(ds)
    return ds


def reopen_after_withdrawal(ds: DealState, task_id: str = "") -> DealState:
    """The re-invite block is over and the campaign re-invites: the withdrawn deal goes back to New
    (only from "Invitation withdrawn"; `pipeline/withdrawal.reopen_due` says which deals)."""
    with transaction.atomic():
        deal = Deal.objects.select_related("closing_reason").get(pk=ds.deal_id)
        reason = deal.closing_reason.name if deal.closing_reason else None
        if ds.state != stages.FAILED or reason != stages.Closing.INVITATION_WITHDRAWN:
            raise TransitionRefused(
                f"deal {ds.deal_id} is not closed as {stages.Closing.INVITATION_WITHDRAWN}"
            )
        ds = _move(
            ds, stages.NEW, frm=(stages.FAILED,), kind=ActionLog.Kind.WITHDRAW, outcome=ActionLog.Outcome.SKIPPED,
            task_id=task_id, detail="the re-invite block after the withdrawal is over: invite again",
            last_error="", attempts=0, where={"withdrawn_at": ds.withdrawn_at},
        )  # fmt: skip
        Deal.objects.filter(pk=ds.deal_id).update(closing_reason=None, closing_date=None, active=True)
    return ds


def mark_failed(
    ds: DealState,
    reason: str,
    account: LinkedInAccount | None,
    closing: stages.Closing = stages.Closing.INVITATION_FAILED,
    kind: str = ActionLog.Kind.CONNECT,
    task_id: str = "",
) -> DealState:
    """Close the deal with a reason. Never for a deal that is mid-send: that one is held instead."""
    with transaction.atomic():
        ds = _move(
            ds, stages.FAILED, frm=(stages.NEW, stages.PENDING, stages.CONNECTED), kind=kind,
            outcome=ActionLog.Outcome.FAILED, account=account, task_id=task_id, detail=reason, closing_reason=closing,
            last_error=reason[:1000], claimed_until=None, claim_task_id="", next_check_at=None, outward=OutwardPhase.IDLE,
            events=(EventType.DEAL_FAILED,),
        )  # fmt: skip
        claims.release_deal(ds)
        claims.sending_undone(ds)
    return ds


def hold_delivery_unknown(
    ds: DealState, account: LinkedInAccount, kind: str, detail: str, task_id: str = ""
) -> DealState:
    """An outward action may have reached the person and the live state cannot tell: close the deal
    for an operator's review. It stays SENDING and keeps the person, so nothing ever sends again."""
    with transaction.atomic():
        ds = _move(
            ds, stages.FAILED, frm=(stages.NEW, stages.PENDING, stages.CONNECTED), kind=kind, outcome=ActionLog.Outcome.FAILED,
            account=account, task_id=task_id, detail=detail, closing_reason=stages.Closing.DELIVERY_UNKNOWN,
            last_error=detail[:1000], claimed_until=None, claim_task_id="", next_check_at=None,
            events=(EventType.DEAL_FAILED,),
        )  # fmt: skip
        claims.bind_person(ds)
        claims.mark_person_sending(ds)
    return ds


def close_other_campaigns(ds: DealState, task_id: str = "") -> int:
    """Once a person is contacted in one campaign, their New deals in other campaigns close: one person
    is contacted once per workspace."""
    closed = 0
    for other in DealState.objects.filter(lead_id=ds.lead_id, state=stages.NEW).exclude(pk=ds.pk):
        try:
            mark_failed(
                other,
                f"contacted through campaign {ds.campaign.name}",
                ds.account,
                closing=stages.Closing.CONTACTED_ELSEWHERE,
                task_id=task_id,
            )
            closed += 1
        except TransitionRefused:
            continue
    return closed


# Stages a message from the person moves to Replied (plus a deal held as "Delivery unknown": the reply
# tells us the message reached them).
REPLY_MOVES_FROM = (stages.PENDING, stages.CONNECTED, stages.COMPLETED)


def delivery_unknown(ds: DealState) -> bool:
    """Is this deal closed as "Delivery unknown" (an outward action may or may not have reached them)?"""
    if ds.state != stages.FAILED:
        return False
    reason = Deal.objects.filter(pk=ds.deal_id).values_list("closing_reason__name", flat=True).first()
    return reason == stages.Closing.DELIVERY_UNKNOWN


def mark_replied(
    ds: DealState, account: LinkedInAccount | None, at, detail: str = "", task_id: str = ""
) -> DealState:
    """The person wrote to us: Pending, Connected or Completed (or held as "Delivery unknown") -> Replied,
    with `replied_at`, in one transaction with the CRM stage and the ActionLog row. From then on
    `stop_rules.automated_messages_stopped` stops every automated message to the person, in every
    campaign and account. The deal's claim is dropped, so a send of this deal already dispatched loses
    its phase one (`claims.mark_sending`) and never clicks."""
    unknown = delivery_unknown(ds)
    with transaction.atomic():
        ds = _move(
            ds, stages.REPLIED, frm=REPLY_MOVES_FROM + ((stages.FAILED,) if unknown else ()), kind=ActionLog.Kind.INBOX,
            account=account, task_id=task_id, detail=detail or "the person replied", replied_at=at, claimed_until=None,
            claim_task_id="", next_check_at=None, reached=unknown, last_error="" if unknown else ds.last_error,
        )  # fmt: skip
        if unknown:  # delivery happened after all: the deal is open again, in Replied
            Deal.objects.filter(pk=ds.deal_id).update(closing_reason=None, closing_date=None, active=True)
    return ds


def reply_did_not_stop(
    ds: DealState,
    back_to: str,
    resume_at,
    account: LinkedInAccount | None = None,
    detail: str = "",
    task_id: str = "",
) -> DealState:
    """An out-of-office reply does not stop the sequence: Replied -> the stage the reply moved the deal
    from, `replied_at` cleared, and the next automated message not before `resume_at`."""
    if back_to not in REPLY_MOVES_FROM:
        raise ValueError(f"a reply never moves a deal back to {back_to!r}")
    return _move(
        ds, back_to, frm=(stages.REPLIED,), kind=ActionLog.Kind.INBOX, account=account, task_id=task_id,
        detail=detail or "out-of-office reply: the sequence goes on later", replied_at=None, next_message_at=resume_at,
    )  # fmt: skip
