"""The campaign's LLM budget is counted from the ActionLog: one row per call, its tokens in a column."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from openoutreach.ml.budget_db import CampaignBudget, record_pause
from openoutreach.ml.llm import BudgetExhausted
from openoutreach.outreach.models import ActionLog


def test_todays_calls_and_tokens_are_counted_from_the_log(campaign):
    budget = CampaignBudget(campaign, "qualify")
    budget.acquire(campaign.pk)
    budget.spend_tokens(campaign.pk, 1200)
    budget.acquire(campaign.pk)
    budget.mark_failed("LLM at http://llm answered HTTP 503")  # counted as a call, no tokens
    budget.acquire(campaign.pk)
    budget.spend_tokens(campaign.pk, 300)
    # yesterday's call and the pause record count nothing today
    yesterday = timezone.now() - timedelta(days=1)
    ActionLog.objects.create(campaign=campaign, kind="llm", outcome="ok", tokens=9000, at=yesterday)
    assert record_pause(campaign, "campaign 'devops': daily LLM budget of 1500 tokens used up")

    assert budget.used() == (3, 1500)
    calls = ActionLog.objects.filter(campaign=campaign, kind="llm", at__gte=yesterday + timedelta(hours=1))
    spent = calls.exclude(outcome="limit").order_by("id")
    assert [(a.outcome, a.tokens, json.loads(a.detail)) for a in spent] == [
        ("ok", 1200, {"purpose": "qualify"}),
        ("failed", 0, {"purpose": "qualify", "error": "LLM at http://llm answered HTTP 503"}),
        ("ok", 300, {"purpose": "qualify"}),
    ]

    campaign.llm_daily_tokens = 1500
    with pytest.raises(BudgetExhausted, match=r"1500 tokens used up \(1500 spent\)"):
        budget.check()
    campaign.llm_daily_tokens = 1501
    budget.check()  # one token left: the next call may go


def test_a_negative_token_report_counts_as_none(campaign):
    budget = CampaignBudget(campaign, "followup")
    budget.acquire(campaign.pk)
    budget.spend_tokens(campaign.pk, -5)
    assert budget.used() == (1, 0)
