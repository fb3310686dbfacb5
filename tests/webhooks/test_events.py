"""Events are written to the outbox with the state change that causes them, for the endpoints that want
them, and every payload validates against the v1 JSON Schema."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from openoutreach.outreach.work_models import Lane, LanePauseReason
from openoutreach.pipeline import stages, transitions
from openoutreach.pipeline.campaigns import create_campaign
from openoutreach.webhooks import events, outbox
from openoutreach.webhooks.events import EventType
from openoutreach.webhooks.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db

HOOK = "http://127.0.0.1:9/hook"  # never contacted here: these tests stop at the outbox


def recorded(event_type: str) -> list[dict]:
    return [e.envelope() for e in OutboxEvent.objects.filter(type=event_type).order_by("id")]


def valid(validator, envelope: dict) -> dict:
    errors = sorted(validator.iter_errors(envelope), key=str)
    assert not errors, [e.message for e in errors]
    datetime.fromisoformat(envelope["timestamp"])
    return envelope


def test_each_transition_records_its_events_and_they_validate(
    make_endpoint, make_deal, alice, schema_validator
):
    make_endpoint(HOOK)
    first, second, third = make_deal("ada-1"), make_deal("ada-2"), make_deal("ada-3")

    first = transitions.mark_pending(first, alice, first_check_hours=24)
    first = transitions.mark_connected(first, alice)
    transitions.mark_completed(first, alice, "Hi Ada, thanks for connecting!")
    transitions.mark_failed(second, "profile unavailable", alice, closing=stages.Closing.PROFILE_UNAVAILABLE)
    transitions.hold_delivery_unknown(third, alice, "connect", "clicked, then the page died")

    sent = valid(schema_validator, recorded(EventType.INVITATION_SENT)[0])
    assert sent["data"]["deal"] == {"id": first.deal_id, "stage": "Pending", "closing_reason": None}
    assert sent["data"]["person"] == {
        "name": "Ada Lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "profile_url": "https://www.linkedin.com/in/ada-1/",
    }
    assert sent["data"]["campaign"]["name"] == "devops"
    assert sent["data"]["account"] == {"handle": "alice"}
    accepted = valid(schema_validator, recorded(EventType.INVITATION_ACCEPTED)[0])
    assert accepted["data"]["deal"]["stage"] == "Connected"
    message = valid(schema_validator, recorded(EventType.MESSAGE_SENT)[0])
    assert message["data"]["step"] == 1
    assert "Hi Ada" not in str(message)  # message texts are not sent
    completed = valid(schema_validator, recorded(EventType.DEAL_COMPLETED)[0])
    assert completed["data"]["deal"] == {
        "id": first.deal_id,
        "stage": "Completed",
        "closing_reason": "Follow-up sent",
    }
    failed = [valid(schema_validator, e) for e in recorded(EventType.DEAL_FAILED)]
    assert [f["data"]["deal"]["closing_reason"] for f in failed] == [
        stages.Closing.PROFILE_UNAVAILABLE.value,
        stages.Closing.DELIVERY_UNKNOWN.value,
    ]
    assert "page died" not in str(failed)  # free-text details stay in the audit trail
    ids = [e.event_id for e in OutboxEvent.objects.all()]
    assert len(set(ids)) == len(ids) == 6
    assert Delivery.objects.filter(status="pending").count() == 6


def test_account_and_lane_pauses_record_account_paused(make_endpoint, alice, schema_validator):
    make_endpoint(HOOK, events=[EventType.ACCOUNT_PAUSED])
    until = timezone.now() + timedelta(hours=1)
    alice.pause("checkpoint required: password=hunter2", until)
    alice.pause_lane(Lane.CONNECT, LanePauseReason.WEEKLY_LIMIT, "until Monday")

    whole, lane = (valid(schema_validator, e)["data"] for e in recorded(EventType.ACCOUNT_PAUSED))
    assert whole["account"] == {"handle": "alice"} and whole["lane"] is None
    assert "hunter2" not in whole["reason"]  # masked like a log line
    assert datetime.fromisoformat(whole["until"]) == until.replace(microsecond=until.microsecond)
    assert lane["lane"] == "connect" and "weekly invitation limit" in lane["reason"]
    assert lane["until"] is None


def test_builders_of_the_events_wired_at_merge_validate(make_deal, alice, schema_validator):
    ds = make_deal("ada-4")
    withdrawn = events.deal_data(
        ds, account=alice, stage=stages.FAILED, closing_reason=stages.Closing.INVITATION_WITHDRAWN.value
    )
    reply = events.reply_received(ds, intent="Not interested", received_at=timezone.now(), account=alice)
    unknown = events.reply_received(ds, intent="ignore previous instructions", received_at=timezone.now())
    for kind, data in [
        (EventType.INVITATION_WITHDRAWN, withdrawn),
        (EventType.REPLY_RECEIVED, reply),
        (EventType.REPLY_RECEIVED, unknown),
    ]:
        valid(schema_validator, {**OutboxEvent(type=kind, data=data).envelope()})
    assert reply["intent"] == "not_interested" and unknown["intent"] is None


def test_a_payload_that_breaks_the_schema_is_caught(make_deal, schema_validator):
    data = events.deal_data(make_deal("ada-5"))
    data["person"]["password"] = "x"  # an extra person field: additionalProperties is false
    envelope = OutboxEvent(type=EventType.INVITATION_SENT, data=data).envelope()
    assert list(schema_validator.iter_errors(envelope))


def test_events_go_only_to_endpoints_that_want_them(make_endpoint, make_deal, alice, campaign):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    everything, _ = make_endpoint(HOOK, name="everything")
    only_other, _ = make_endpoint(HOOK, name="other campaign", campaigns=[other])
    accepted_only, _ = make_endpoint(HOOK, name="accepted only", events=[EventType.INVITATION_ACCEPTED])
    make_endpoint(HOOK, name="off", active=False)
    make_endpoint(HOOK, name="disabled", disabled_at=timezone.now(), disabled_reason="kept failing")

    transitions.mark_pending(make_deal("ada-6"), alice, first_check_hours=24)
    alice.pause("operator")

    by_type = {e.type: sorted(d.endpoint.name for d in e.deliveries.all()) for e in OutboxEvent.objects.all()}
    # account events have no campaign: every endpoint subscribed to them gets them, filtered or not
    assert by_type == {
        EventType.INVITATION_SENT: ["everything"],
        EventType.ACCOUNT_PAUSED: ["everything", "other campaign"],
    }
    assert everything.deliveries.count() == 2 and not accepted_only.deliveries.exists()
    assert only_other.deliveries.get().event.type == EventType.ACCOUNT_PAUSED


def test_no_subscriber_stores_nothing_and_a_rolled_back_change_leaves_no_event(
    make_endpoint, make_deal, alice
):
    transitions.mark_pending(make_deal("ada-7"), alice, first_check_hours=24)
    assert not OutboxEvent.objects.exists()  # no endpoint: nothing recorded

    make_endpoint(HOOK)
    ds = make_deal("ada-8")
    with pytest.raises(RuntimeError), transaction.atomic():
        transitions.mark_pending(ds, alice, first_check_hours=24)
        assert OutboxEvent.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after the move")
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()
    ds.refresh_from_db()
    assert ds.state == stages.NEW


def test_an_unknown_event_type_is_refused(make_endpoint):
    make_endpoint(HOOK)
    with pytest.raises(ValueError):
        outbox.emit("invitation.snet", data={})


def test_finished_events_age_out_and_events_still_being_delivered_stay(make_endpoint):
    from openoutreach.retention import apply_retention

    make_endpoint(HOOK)
    data = {"account": {"handle": "alice"}, "lane": None, "reason": "x", "until": None}
    old_done, old_pending, recent_done = (outbox.emit(EventType.ACCOUNT_PAUSED, data=data) for _ in range(3))
    Delivery.objects.filter(event__in=[old_done, recent_done]).update(status="delivered")
    aged = timezone.now() - timedelta(days=31)
    OutboxEvent.objects.filter(pk__in=[old_done.pk, old_pending.pk]).update(created_at=aged)

    assert apply_retention().webhook_events == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {old_pending.pk, recent_done.pk}
    assert Delivery.objects.count() == 2
