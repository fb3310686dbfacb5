"""The events wired where conversations, sequences and withdrawals write their state: reply.received once
per reply with its first intent (a correction announces nothing more), message.sent per sequence step and
deal.completed on the last, invitation.withdrawn with deal.failed. Each validates against the schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openoutreach.conversations import replies
from openoutreach.conversations.ingest import store_thread
from openoutreach.conversations.models import Intent, Message
from openoutreach.linkedin.actions.inbox import ReadMessage, ThreadRead
from openoutreach.outreach.models import SequenceStep
from openoutreach.pipeline import transitions
from openoutreach.webhooks.events import EventType
from openoutreach.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db
HOOK = "http://127.0.0.1:9/hook"  # never contacted: these tests stop at the outbox


def recorded(event_type: str) -> list[dict]:
    return [e.envelope() for e in OutboxEvent.objects.filter(type=event_type).order_by("id")]


def valid(validator, envelope: dict) -> dict:
    assert not sorted(validator.iter_errors(envelope), key=str)
    return envelope


def test_a_reply_is_announced_once_with_its_first_intent(make_endpoint, make_deal, alice, schema_validator):
    make_endpoint(HOOK)
    ds = transitions.mark_already_connected(make_deal("reply-hook"), alice)
    thread = ThreadRead(
        "2-reply-hook",
        "https://www.linkedin.com/in/reply-hook/",
        "Ada Lovelace",
        [ReadMessage("m1", True, "Ada Lovelace", "Please remove me from your list.", datetime.now(UTC))],
    )
    stored = store_thread(alice, thread, "preview")
    assert recorded(EventType.REPLY_RECEIVED) == []  # the intent is not known yet
    message = replies.apply_intent(
        stored.new[0], Intent.UNSUBSCRIBE, Message.IntentSource.LLM, "asked to stop"
    )
    [event] = recorded(EventType.REPLY_RECEIVED)
    valid(schema_validator, event)
    assert event["data"]["intent"] == "unsubscribe" and event["data"]["deal"]["id"] == ds.deal_id
    replies.apply_intent(message, Intent.NOT_INTERESTED, Message.IntentSource.OPERATOR, by="operator")
    assert len(recorded(EventType.REPLY_RECEIVED)) == 1


def test_each_sequence_step_is_a_message_sent_and_the_last_completes(
    make_endpoint, make_deal, alice, campaign, schema_validator
):
    make_endpoint(HOOK)
    SequenceStep.objects.create(
        campaign=campaign, position=2, delay_days=4, template="Any news, {{ first_name }}?"
    )
    ds = transitions.mark_already_connected(make_deal("steps-hook"), alice)
    ds = transitions.mark_message_sent(ds, alice, "Hello", 1, 2)
    assert [e["type"] for e in recorded(EventType.MESSAGE_SENT)] == ["message.sent"]
    assert recorded(EventType.DEAL_COMPLETED) == []
    transitions.mark_message_sent(ds, alice, "Any news?", 2, 2)
    sent = recorded(EventType.MESSAGE_SENT)
    assert len(sent) == 2 and len(recorded(EventType.DEAL_COMPLETED)) == 1
    for envelope in sent + recorded(EventType.DEAL_COMPLETED):
        valid(schema_validator, envelope)


def test_a_withdrawal_is_announced_with_the_failed_deal(make_endpoint, make_deal, alice, schema_validator):
    make_endpoint(HOOK)
    ds = transitions.mark_pending(make_deal("withdraw-hook"), alice, first_check_hours=24)
    transitions.mark_invitation_withdrawn(ds, alice, "pending for 30 days")
    [withdrawn] = recorded(EventType.INVITATION_WITHDRAWN)
    [failed] = recorded(EventType.DEAL_FAILED)
    valid(schema_validator, withdrawn)
    valid(schema_validator, failed)
