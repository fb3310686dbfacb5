"""Storing what the inbox reader read: one Thread per (account, thread id), each message once, the
thread attached to the person's deal, and each NEW message handed on (a reply to `replies.on_reply`, a
message of ours that the product did not send to `replies.on_typed_by_hand`).

Attaching: the thread's participant link is a profile URL; the person is the Lead with that
LinkedInProfile (by canonical URL, else public id); the deal is the one of this account with that
person (the most recently contacted, when several campaigns share the account). A thread whose
participant is no lead of ours is stored, and nothing else happens.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from chat.models import ChatMessage
from crm.models import Deal
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from openoutreach.linkedin.actions.inbox import ReadMessage, ThreadRead
from openoutreach.linkedin.urls import public_id_from_url
from openoutreach.outreach.models import ActionLog, DealState, LinkedInAccount, LinkedInProfile, OutwardPhase

from . import replies
from .models import Message, Thread

log = logging.getLogger(__name__)


@dataclass
class Stored:
    thread: Thread
    new: list[Message] = field(default_factory=list)
    replies: int = 0
    by_hand: int = 0


def attach(account: LinkedInAccount, read: ThreadRead) -> tuple[int | None, DealState | None]:
    """(lead id, deal state) of the thread's participant for this account, or (None, None)."""
    profile = LinkedInProfile.objects.filter(url=read.participant_url).first()
    if profile is None:
        public_id = public_id_from_url(read.participant_url)
        profile = LinkedInProfile.objects.filter(public_identifier__iexact=public_id).first()
    if profile is None:
        return None, None
    ds = (
        DealState.objects.filter(lead_id=profile.lead_id, account=account)
        .order_by("-contacted_at", "-pk")
        .first()
    )
    return profile.lead_id, ds


def store_thread(account: LinkedInAccount, read: ThreadRead, preview: str = "", task_id: str = "") -> Stored:
    """Store a read thread; new messages (never seen under this account and thread) are inserted once
    and handed on. A re-read adds nothing: the unique key (account, thread, message id) decides."""
    lead_id, ds = attach(account, read)
    now = timezone.now()
    thread, _ = Thread.objects.get_or_create(account=account, thread_id=read.thread_id)
    Thread.objects.filter(pk=thread.pk).update(
        lead_id=lead_id or thread.lead_id,
        deal_state=ds or thread.deal_state,
        participant_url=read.participant_url,
        participant_name=read.participant_name[:200],
        last_snippet=preview or thread.last_snippet,
        last_synced_at=now,
    )
    thread.refresh_from_db()
    stored = Stored(thread)
    known = set(Message.objects.filter(account=account, thread=thread).values_list("message_id", flat=True))
    ours_before = False  # one of our messages precedes this one in the thread
    for read_msg in read.messages:
        if read_msg.message_id in known:
            ours_before = ours_before or not read_msg.from_participant
            continue
        message = _insert(account, thread, read_msg, ds)
        if message is None:  # a concurrent sync stored it first
            continue
        stored.new.append(message)
        if read_msg.from_participant:
            if ds is not None and _is_reply(ds, read_msg, ours_before):
                replies.on_reply(message, ds, account, task_id)
                stored.replies += 1
        else:
            ours_before = True
            if message.by_hand:
                replies.on_typed_by_hand(message, ds, account, task_id)
                stored.by_hand += 1
    return stored


def _insert(
    account: LinkedInAccount, thread: Thread, read: ReadMessage, ds: DealState | None
) -> Message | None:
    by_hand = not read.from_participant and not _sent_by_product(ds, read.text)
    try:
        with transaction.atomic():
            return Message.objects.create(
                account=account, thread=thread, message_id=read.message_id,
                direction=Message.Direction.FROM_PERSON if read.from_participant else Message.Direction.FROM_US,
                by_hand=by_hand, sender_name=read.sender_name, text=read.text, sent_at=read.sent_at,
            )  # fmt: skip
    except IntegrityError:
        return None


def _sent_by_product(ds: DealState | None, text: str) -> bool:
    """Did the product send this text to the person (a recorded follow-up, or one mid-send)?"""
    if ds is None:
        return False
    if ds.outward == OutwardPhase.SENDING:
        return True  # our own send, whose outcome the follow-up unit records (message_delivered)
    folded = _fold(text)
    details = ActionLog.objects.filter(
        lead_id=ds.lead_id, kind=ActionLog.Kind.FOLLOW_UP, outcome=ActionLog.Outcome.OK
    ).values_list("detail", flat=True)
    # a sequence step's row reads "sequence step N/M: <text>" (transitions.mark_message_sent)
    sent = [_STEP_PREFIX.sub("", detail) for detail in details]
    deals = DealState.objects.filter(lead_id=ds.lead_id).values_list("deal_id", flat=True)
    sent += ChatMessage.objects.filter(  # the exact texts the follow-up unit recorded
        content_type=ContentType.objects.get_for_model(Deal), object_id__in=list(deals)
    ).values_list("content", flat=True)
    return any(_fold(detail) == folded[: len(_fold(detail))] and detail for detail in sent)


_STEP_PREFIX = re.compile(r"^sequence step \d+/\d+: ")


def _is_reply(ds: DealState, read: ReadMessage, ours_before: bool) -> bool:
    """A message from the person is a reply to this deal when it was sent after the deal existed (or,
    with no time on the page, when one of our messages precedes it): an old conversation with an
    existing connection is history, not a reply to the campaign."""
    if read.sent_at is not None:
        return read.sent_at >= ds.created_at
    return ours_before


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
