"""Storing conversations and what a new message does, on the real Django DB (the reader's output is
built by hand here; tests/workers/test_inbox.py drives the same path through Chromium and the sandbox).

A re-read thread stores nothing twice; a reply moves the deal to Replied (replied_at, ActionLog) and
stops automated messages to the person in every campaign; an operator-typed message is ours and counts
as sent; unsubscribe / not interested land on the do-not-contact list; out of office does not stop the
sequence but pushes the next message back, and a correction to a real reply stops it again; a reply to
a deal held as "Delivery unknown" tells us it was delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crm.models import Deal
from django.conf import settings
from django.utils import timezone

from openoutreach.conversations import replies
from openoutreach.conversations.ingest import store_thread
from openoutreach.conversations.models import Intent, Message
from openoutreach.lanes import follow_up as follow_up_lane
from openoutreach.linkedin.actions.inbox import InboxUnreadable, ReadMessage, ThreadRead, parse_thread
from openoutreach.outreach.models import ActionLog, DealState, OutwardPhase
from openoutreach.pipeline import claims, leads, stages, transitions
from openoutreach.pipeline.campaigns import create_campaign
from openoutreach.safety import compliance
from openoutreach.testing.fixtures import make_account

pytestmark = pytest.mark.django_db
URL = "https://www.linkedin.com/in/{}/"


def _deal(campaign, account, public_id: str) -> DealState:
    lead = leads.discover(URL.format(public_id), public_id).lead
    return transitions.mark_already_connected(transitions.promote(lead, campaign, 0.9), account)


def _thread(public_id: str, *messages: tuple[str, bool, str], thread_id: str | None = None) -> ThreadRead:
    """messages: (id, from the person?, text), one minute apart from now."""
    now = datetime.now(UTC)
    return ThreadRead(
        thread_id or f"2-{public_id}",
        URL.format(public_id),
        "Pat Person",
        [
            ReadMessage(
                ident, theirs, "Pat Person" if theirs else "Alice Anders", text, now + timedelta(minutes=n)
            )
            for n, (ident, theirs, text) in enumerate(messages)
        ],
    )


def test_a_re_synced_thread_stores_nothing_twice(campaign, alice):
    ds = _deal(campaign, alice, "resync-1")
    read = _thread("resync-1", ("m1", False, "Hi Pat"), ("m2", True, "Hello! Tell me more."))
    first = store_thread(alice, read, "preview 1")
    again = store_thread(alice, read, "preview 1")
    assert len(first.new) == 2 and again.new == [] and again.replies == 0
    assert Message.objects.filter(thread__account=alice).count() == 2
    assert ActionLog.objects.filter(deal_id=ds.deal_id, kind=ActionLog.Kind.INBOX).count() == 1  # one move


def test_a_reply_moves_the_deal_to_replied_and_stops_every_campaign(
    campaign, alice, django_capture_on_commit_callbacks
):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    bob = make_account("bob", other)
    ds = _deal(campaign, alice, "stop-everywhere")
    elsewhere = transitions.mark_already_connected(transitions.promote(ds.lead, other, 0.9), bob)
    claims.release_deal(elsewhere)
    now = timezone.now()  # after the acceptance: step 1 is due from then on
    assert elsewhere.pk in [d.pk for d in follow_up_lane.due(bob, now)]

    with django_capture_on_commit_callbacks(execute=True):
        store_thread(alice, _thread("stop-everywhere", ("m1", True, "Sure, let's talk.")))
    ds.refresh_from_db()
    assert ds.state == stages.REPLIED and ds.replied_at is not None
    assert Deal.objects.get(pk=ds.deal_id).stage.name == stages.REPLIED
    assert ActionLog.objects.filter(deal_id=ds.deal_id, kind=ActionLog.Kind.INBOX, account=alice).exists()
    assert elsewhere.pk not in [d.pk for d in follow_up_lane.due(bob, now)]
    message = Message.objects.get(message_id="m1")
    assert message.stage_before == stages.CONNECTED and "no LLM" in message.needs_review


def test_history_before_the_deal_is_not_a_reply(campaign, alice):
    ds = _deal(campaign, alice, "old-friend")
    read = _thread("old-friend", ("old", True, "See you at the conference!"))
    read.messages[0] = ReadMessage(
        "old", True, "Pat Person", "See you at the conference!", ds.created_at - timedelta(days=300)
    )
    assert store_thread(alice, read).replies == 0
    ds.refresh_from_db()
    assert ds.state == stages.CONNECTED and ds.replied_at is None


def test_an_operator_typed_message_is_ours_and_counts_as_sent(campaign, alice):
    ds = _deal(campaign, alice, "by-hand")
    stored = store_thread(alice, _thread("by-hand", ("m1", False, "Hey Pat, typed this myself.")))
    message = stored.new[0]
    assert message.direction == Message.Direction.FROM_US and message.by_hand and stored.by_hand == 1
    assert ActionLog.objects.filter(
        deal_id=ds.deal_id,
        kind=ActionLog.Kind.FOLLOW_UP,
        outcome=ActionLog.Outcome.OK,
        detail__contains="by hand",
    ).exists()
    ds.refresh_from_db()
    assert ds.state == stages.COMPLETED  # no automated follow-up on top of the operator's own


def test_the_products_own_follow_up_is_not_by_hand(campaign, alice):
    ds = _deal(campaign, alice, "ours")
    transitions.mark_completed(ds, alice, "Hi Pat, thanks for connecting!")
    stored = store_thread(alice, _thread("ours", ("m1", False, "Hi Pat, thanks for connecting!")))
    assert stored.new[0].by_hand is False and stored.by_hand == 0


@pytest.mark.parametrize("intent", [Intent.UNSUBSCRIBE, Intent.NOT_INTERESTED])
def test_unsubscribe_and_not_interested_land_on_the_do_not_contact_list(campaign, alice, intent):
    ds = _deal(campaign, alice, f"dnc-{intent}")
    stored = store_thread(alice, _thread(f"dnc-{intent}", ("m1", True, "Please stop.")))
    replies.apply_intent(stored.new[0], intent, Message.IntentSource.LLM, "asked to stop")
    verdict = compliance.check(ds.lead, campaign)
    assert not verdict.allowed and verdict.rule == compliance.DO_NOT_CONTACT
    replies.apply_intent(Message.objects.get(pk=stored.new[0].pk), intent, Message.IntentSource.OPERATOR)
    from openoutreach.outreach.models import DoNotContact

    assert DoNotContact.objects.count() == 1  # once


def test_out_of_office_pushes_the_next_message_back_and_a_correction_stops_it(campaign, alice):
    ds = _deal(campaign, alice, "ooo")
    stored = store_thread(alice, _thread("ooo", ("m1", True, "Out of office until Monday.")))
    before = timezone.now()
    replies.apply_intent(stored.new[0], Intent.OUT_OF_OFFICE, Message.IntentSource.LLM, "away")
    ds.refresh_from_db()
    assert ds.state == stages.CONNECTED and ds.replied_at is None
    delay = timedelta(days=settings.OUT_OF_OFFICE_DELAY_DAYS / settings.TIME_SCALE)
    assert ds.next_message_at >= before + delay - timedelta(seconds=5)
    assert ds.pk not in [d.pk for d in follow_up_lane.due(alice, timezone.now())]
    assert ds.pk in [d.pk for d in follow_up_lane.due(alice, ds.next_message_at + timedelta(seconds=1))]

    message = Message.objects.get(pk=stored.new[0].pk)
    replies.apply_intent(message, Intent.NOT_NOW, Message.IntentSource.OPERATOR, by="operator")
    ds.refresh_from_db()
    assert ds.state == stages.REPLIED and ds.replied_at is not None
    assert Message.objects.get(pk=message.pk).intent_source == Message.IntentSource.OPERATOR


def test_a_reply_tells_a_delivery_unknown_deal_it_was_delivered(campaign, alice):
    ds = _deal(campaign, alice, "unknown")
    DealState.objects.filter(pk=ds.pk).update(outward=OutwardPhase.SENDING)
    ds.refresh_from_db()
    transitions.hold_delivery_unknown(ds, alice, ActionLog.Kind.FOLLOW_UP, "interrupted after the click")
    store_thread(alice, _thread("unknown", ("m1", False, "Hi Pat"), ("m2", True, "Thanks for the note!")))
    ds.refresh_from_db()
    deal = Deal.objects.get(pk=ds.deal_id)
    assert ds.state == stages.REPLIED and ds.outward == OutwardPhase.IDLE and deal.closing_reason is None
    assert Message.objects.get(message_id="m2").stage_before == stages.COMPLETED


def test_the_reader_refuses_what_it_cannot_read():
    good = {
        "participant_href": "/in/pat/",
        "participant_name": "Pat Person",
        "events": [
            {
                "urn": "u1",
                "sender": "Pat Person",
                "body": "Hi",
                "time": "2026-01-01T10:00:00+00:00",
                "other": True,
            },
            {"urn": None, "sender": "Alice Anders", "body": "Hello", "time": None, "other": False},
        ],
    }
    read = parse_thread("t1", good, "https://www.linkedin.com")
    assert [m.from_participant for m in read.messages] == [True, False]
    assert read.messages[1].message_id.startswith("h:") and read.messages[1].sent_at is None
    assert (
        parse_thread("t1", good, "https://www.linkedin.com").messages[1].message_id
        == read.messages[1].message_id
    )
    for broken, why in [
        ({**good, "participant_href": None}, "no profile link"),
        ({**good, "events": []}, "no message"),
        (
            {**good, "events": [{"urn": "u", "sender": "", "body": "x", "time": None, "other": False}]},
            "no sender",
        ),
        (
            {
                **good,
                "events": [{"urn": "u", "sender": "Pat Person", "body": "", "time": None, "other": True}],
            },
            "no text",
        ),
    ]:
        with pytest.raises(InboxUnreadable, match=why):
            parse_thread("t1", broken, "https://www.linkedin.com")


def test_a_reply_between_dispatch_and_click_takes_the_send_away(campaign, alice):
    ds = _deal(campaign, alice, "race")
    claims.release_deal(ds)
    task_id = "follow-up-task"
    assert claims.take_deal(ds, task_id, timezone.now(), state=stages.CONNECTED, outward=True, account=alice)
    store_thread(alice, _thread("race", ("m1", True, "Actually, I'm interested!")))
    ds.refresh_from_db()
    assert not claims.mark_sending(ds, task_id)  # phase one refused: the browser never clicks
