"""The shared conversation rules: a reply in one campaign stops automated messages in every campaign;
the Replied stage exists in new and upgraded departments; a deal's next message waits for its time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from crm.models import ClosingReason, Stage
from django.utils import timezone

from openoutreach.outreach.models import DealState
from openoutreach.pipeline import leads, stages, stop_rules, transitions
from openoutreach.pipeline.campaigns import create_campaign

pytestmark = pytest.mark.django_db


def test_reply_in_one_campaign_stops_messages_in_every_campaign(campaign):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    lead = leads.discover("https://www.linkedin.com/in/stop-1/", "stop-1").lead
    first = transitions.promote(lead, campaign, 0.9)
    second = transitions.promote(lead, other, 0.9)
    bystander = transitions.promote(
        leads.discover("https://www.linkedin.com/in/stop-2/", "stop-2").lead, other
    )
    assert stop_rules.automated_messages_stopped(second) is None
    DealState.objects.filter(pk=first.pk).update(replied_at=timezone.now())
    second.refresh_from_db()
    assert "replied" in stop_rules.automated_messages_stopped(second)
    assert stop_rules.automated_messages_stopped(bystander) is None


def test_replied_stage_and_withdrawn_reason_in_the_pipeline(campaign):
    names = list(
        Stage.objects.filter(department=campaign.department)
        .order_by("index_number")
        .values_list("name", flat=True)
    )
    assert names == [
        stages.NEW,
        stages.PENDING,
        stages.CONNECTED,
        stages.COMPLETED,
        stages.REPLIED,
        stages.FAILED,
    ]
    assert ClosingReason.objects.filter(
        department=campaign.department, name=stages.Closing.INVITATION_WITHDRAWN
    ).exists()


def test_next_message_waits_for_its_time(campaign):
    ds = transitions.promote(leads.discover("https://www.linkedin.com/in/stop-3/", "stop-3").lead, campaign)
    now = timezone.now()
    assert stop_rules.message_due(ds, now)
    ds.next_message_at = now + timedelta(days=4)
    assert not stop_rules.message_due(ds, now)
    assert stop_rules.message_due(ds, now + timedelta(days=4))
