"""The operator sees conversations and corrects a reply's intent in the admin: the correction has the
LLM's consequences (an out-of-office corrected to "unsubscribe" stops the sequence and lands the person
on the do-not-contact list); messages themselves are read-only; the Deal page shows the conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from openoutreach.conversations import replies
from openoutreach.conversations.ingest import store_thread
from openoutreach.conversations.models import Message
from openoutreach.linkedin.actions.inbox import ReadMessage, ThreadRead
from openoutreach.outreach.models import DoNotContact
from openoutreach.pipeline import leads, stages, transitions

pytestmark = pytest.mark.django_db


def test_an_operator_corrects_an_intent_with_its_consequences(client, django_user_model, campaign, alice):
    lead = leads.discover("https://www.linkedin.com/in/pat-admin/", "pat-admin").lead
    ds = transitions.mark_already_connected(transitions.promote(lead, campaign, 0.9), alice)
    read = ThreadRead(
        "2-pat", "https://www.linkedin.com/in/pat-admin/", "Pat Admin",
        [ReadMessage("m1", True, "Pat Admin", "Away until Monday.", datetime.now(UTC))],
    )  # fmt: skip
    [message] = store_thread(alice, read).new
    replies.apply_intent(message, "out_of_office", Message.IntentSource.LLM, "away")
    ds.refresh_from_db()
    assert ds.state == stages.CONNECTED

    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    assert b"Away until Monday." in client.get(f"/admin/crm/deal/{ds.deal_id}/change/").content
    page = client.get(f"/admin/conversations/message/{message.pk}/change/")
    assert page.status_code == 200 and b'name="text"' not in page.content  # the text is read-only
    answer = client.post(
        f"/admin/conversations/message/{message.pk}/change/",
        {"intent": "unsubscribe", "intent_reason": "asked us to stop in a later call"},
    )
    assert answer.status_code == 302, answer.content[:2000]
    message.refresh_from_db()
    ds.refresh_from_db()
    assert (message.intent, message.intent_source) == ("unsubscribe", "operator")
    assert ds.state == stages.REPLIED and ds.replied_at is not None
    assert DoNotContact.objects.filter(key="pat-admin").exists()
    assert client.get("/admin/conversations/thread/").status_code == 200


def test_the_dashboard_shows_replied_and_the_reply_rate(client, django_user_model, campaign, alice):
    from openoutreach.conversations.stats import reply_stats

    for n, replies_back in enumerate((True, False)):
        lead = leads.discover(f"https://www.linkedin.com/in/rate-{n}/", f"rate-{n}").lead
        ds = transitions.mark_already_connected(transitions.promote(lead, campaign, 0.9), alice)
        ds = transitions.mark_completed(ds, alice, "Hi!")
        if replies_back:
            transitions.mark_replied(ds, alice, datetime.now(UTC) + timedelta(hours=3))
    stats = reply_stats(campaign)
    assert (stats.messaged, stats.replied, stats.rate) == (
        2,
        1,
        0.5,
    ) and stats.median_time_to_reply is not None
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    page = client.get(reverse("operator:dashboard")).content.decode()
    assert 'data-state="replied">1<' in page and "1 replied of 2 messaged (50% reply rate)" in page
