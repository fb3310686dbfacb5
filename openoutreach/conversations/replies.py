"""What a new message means for the deal: the one place that runs when a reply arrives (`on_reply`),
when the operator typed a message by hand on LinkedIn (`on_typed_by_hand`), and when a reply's intent
is known or corrected (`apply_intent`).

A reply stops first and asks later: the deal moves to Replied at once (every automated message to the
person stops, in every campaign and account), then the reply's intent is classified on the ML worker.
Consequences of the intent:
- unsubscribe, not interested: the person goes on the do-not-contact list (their profile);
- out of office: not a reply that stops the sequence: the deal goes back to the stage the reply moved it
  from, `replied_at` is cleared, and the next automated message waits OUT_OF_OFFICE_DELAY_DAYS;
- the others (interested, not now, referral): the deal stays in Replied.
An operator's correction applies the same consequences (an out-of-office corrected to a real reply
stops the sequence again). A do-not-contact entry is never removed by a correction: the operator
deletes it from the list if it was wrong.

Webhooks: `reply.received` is emitted once per reply, with its first intent, in the transaction that writes it
(`apply_intent`): without an LLM it waits for the operator's intent; a later correction emits nothing.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openoutreach.outreach.models import ActionLog, DealState, DoNotContact, LinkedInAccount
from openoutreach.pipeline import stages, transitions

from .models import DO_NOT_CONTACT_INTENTS, Intent, Message

log = logging.getLogger(__name__)


def _stage_before(ds: DealState) -> str:
    """The stage an out-of-office reply sends the deal back to. A deal held as "Delivery unknown" was
    reached after all: back to Completed when the held send was the follow-up, else Connected."""
    if ds.state in transitions.REPLY_MOVES_FROM:
        return ds.state
    if transitions.delivery_unknown(ds):
        held = (
            ActionLog.objects.filter(deal_id=ds.deal_id, outcome=ActionLog.Outcome.FAILED)
            .filter(kind__in=(ActionLog.Kind.CONNECT, ActionLog.Kind.FOLLOW_UP))
            .order_by("-at", "-pk")
            .values_list("kind", flat=True)
            .first()
        )
        return stages.COMPLETED if held == ActionLog.Kind.FOLLOW_UP else stages.CONNECTED
    return ""


def on_reply(message: Message, ds: DealState, account: LinkedInAccount, task_id: str = "") -> None:
    """A new message from the deal's person: move the deal to Replied (or, if it is already closed some
    other way, still record `replied_at` so every automated message stops), then classify the intent."""
    at = message.sent_at or message.seen_at or timezone.now()
    ds.refresh_from_db()
    before = _stage_before(ds)
    with transaction.atomic():
        if before:
            transitions.mark_replied(ds, account, at, f"the person replied: {message.text[:300]}", task_id)
            Message.objects.filter(pk=message.pk).update(stage_before=before)
        elif ds.replied_at is None:  # New, Failed, already Replied: no move, but the stop rule holds
            DealState.objects.filter(pk=ds.pk, replied_at__isnull=True).update(replied_at=at)
            ActionLog.objects.create(
                account=account, campaign=ds.campaign, kind=ActionLog.Kind.INBOX, lead_id=ds.lead_id,
                deal_id=ds.deal_id, outcome=ActionLog.Outcome.OK, task_id=task_id,
                detail=f"the person replied (deal {ds.state}): {message.text[:300]}",
            )  # fmt: skip
        transaction.on_commit(lambda: request_classification(message.pk))


def request_classification(message_id: int) -> None:
    """Ask the ML worker for the reply's intent; without an LLM the operator sets it in the admin."""
    if not settings.LLM_API_KEY:
        Message.objects.filter(pk=message_id).update(
            needs_review="no LLM is configured: set the intent in the admin"
        )
        return
    from openoutreach.celery import app

    app.send_task("ml.classify_reply", kwargs={"message_id": message_id})


def on_typed_by_hand(
    message: Message, ds: DealState | None, account: LinkedInAccount, task_id: str = ""
) -> None:
    """Ours, not the product's: the operator typed it on LinkedIn. It counts as sent (an ActionLog
    follow_up row, which the caps count) and, for a Connected deal, as its follow-up (Completed), so the
    product never sends a second, automated one on top of it."""
    at = message.sent_at or timezone.now()
    ActionLog.objects.create(
        account=account, campaign=ds.campaign if ds else None, kind=ActionLog.Kind.FOLLOW_UP,
        outcome=ActionLog.Outcome.OK, lead_id=ds.lead_id if ds else None, deal_id=ds.deal_id if ds else None,
        task_id=task_id, at=at, detail=f"typed by hand on LinkedIn (seen in the inbox): {message.text[:400]}",
    )  # fmt: skip
    if ds is not None and ds.state == stages.CONNECTED:
        with contextlib.suppress(transitions.TransitionRefused):  # moved meanwhile: nothing to complete
            transitions.mark_completed(ds, account, f"typed by hand on LinkedIn: {message.text}", task_id)


def apply_intent(
    message: Message, intent: str, source: str, reason: str = "", by: str = "", task_id: str = ""
) -> Message:
    """Record a reply's intent (the LLM's or an operator's) and apply its consequences (module docstring)."""
    intent = Intent(intent)
    source = Message.IntentSource(source)
    previous = message.intent
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            intent=intent, intent_source=source, intent_reason=reason[:2000], needs_review=""
        )
        message.refresh_from_db()
        ds = message.thread.deal_state
        if ds is None or message.direction != Message.Direction.FROM_PERSON:
            return message
        ds.refresh_from_db()
        who = f" ({by})" if by else ""
        if intent in DO_NOT_CONTACT_INTENTS:
            _do_not_contact(ds, f"replied {intent.label!r} to {ds.campaign.name}{who}")
        if intent == Intent.OUT_OF_OFFICE and previous != Intent.OUT_OF_OFFICE:
            _out_of_office(message, ds, task_id)
        elif intent != Intent.OUT_OF_OFFICE and previous == Intent.OUT_OF_OFFICE:
            _real_reply_after_all(message, ds, task_id)
        # the reply's first intent (the LLM's, or the operator's without one) is announced, once
        if not previous:
            _announce_reply(message, ds, intent)
    return message


def _announce_reply(message: Message, ds: DealState, intent: Intent) -> None:
    """`reply.received` in the transaction that wrote the reply's first intent (webhooks outbox)."""
    from openoutreach.webhooks import events
    from openoutreach.webhooks.outbox import emit

    received = message.sent_at or message.seen_at or timezone.now()
    emit(
        events.EventType.REPLY_RECEIVED,
        campaign=ds.campaign,
        data=lambda: events.reply_received(
            ds, intent=intent.value, received_at=received, account=message.account
        ),
    )


def _do_not_contact(ds: DealState, reason: str) -> None:
    """The person's profile on the do-not-contact list (once: the list's unique key decides)."""
    from openoutreach.safety.compliance import do_not_contact_key

    value = ds.lead.linkedin.public_identifier  # the bare public id: valid whatever the base URL
    key = do_not_contact_key(DoNotContact.Kind.PROFILE, value)
    if not DoNotContact.objects.filter(kind=DoNotContact.Kind.PROFILE, key=key).exists():
        DoNotContact(kind=DoNotContact.Kind.PROFILE, value=value, reason=reason[:300]).save()


def _out_of_office(message: Message, ds: DealState, task_id: str) -> None:
    """Out of office does not stop the sequence: back to the stage before, next message later."""
    resume = timezone.now() + timedelta(days=settings.OUT_OF_OFFICE_DELAY_DAYS / settings.TIME_SCALE)
    if ds.state == stages.REPLIED and message.stage_before and not _other_stopping_reply(message, ds):
        transitions.reply_did_not_stop(ds, message.stage_before, resume, task_id=task_id)
    elif ds.state != stages.REPLIED and not _other_stopping_reply(message, ds):
        DealState.objects.filter(pk=ds.pk).update(replied_at=None, next_message_at=resume)


def _other_stopping_reply(message: Message, ds: DealState) -> bool:
    """Did the person send another reply on this deal that is not out-of-office (classified or not)?"""
    return (
        Message.objects.filter(thread__deal_state=ds, direction=Message.Direction.FROM_PERSON)
        .exclude(pk=message.pk)
        .exclude(intent=Intent.OUT_OF_OFFICE)
        .exists()
    )


def _real_reply_after_all(message: Message, ds: DealState, task_id: str) -> None:
    """An out-of-office corrected to a real reply: the sequence stops after all."""
    at = message.sent_at or message.seen_at
    if ds.state in transitions.REPLY_MOVES_FROM:
        before = ds.state
        transitions.mark_replied(ds, None, at, f"intent corrected: {message.text[:300]}", task_id)
        Message.objects.filter(pk=message.pk).update(stage_before=before)
    elif ds.replied_at is None:
        DealState.objects.filter(pk=ds.pk).update(replied_at=at)
