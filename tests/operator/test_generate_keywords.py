"""`manage.py generate_keywords` asks the LLM (the sandbox's stand-in, over HTTP) through the ML code,
saves the keywords unused, shows them, and never repeats one the campaign already has."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from openoutreach.outreach.models import ActionLog, SearchKeyword

pytestmark = pytest.mark.slow


@pytest.fixture
def llm(settings, sandbox):
    settings.LLM_API_BASE = f"{sandbox.base_url}/v1"
    settings.LLM_API_KEY = "sandbox-key"
    return sandbox


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_keywords", *args, stdout=out)
    return out.getvalue()


def test_keywords_are_generated_saved_shown_and_never_repeated(llm, campaign):
    SearchKeyword.objects.create(campaign=campaign, keyword="platform engineering", used=True)

    first = generate("--campaign", "devops", "--count", "5")

    saved = list(
        SearchKeyword.objects.filter(campaign=campaign, used=False).values_list("keyword", flat=True)
    )
    assert len(saved) == 5
    for keyword in saved:
        assert f"  - {keyword}\n" in first
    assert "5 unused keyword(s) wait for the search lane" in first
    assert ActionLog.objects.filter(campaign=campaign, kind="llm").count() == 1

    generate("--campaign", "DevOps", "--count", "5")
    everything = [
        k.lower() for k in SearchKeyword.objects.filter(campaign=campaign).values_list("keyword", flat=True)
    ]
    assert len(everything) == len(set(everything)) == 11
    assert "platform engineering" in everything


def test_a_spent_budget_or_no_llm_says_so_and_saves_nothing(settings, llm, campaign):
    campaign.llm_daily_calls = 0
    campaign.save()
    with pytest.raises(CommandError, match="daily LLM budget of 0 calls used up"):
        generate("--campaign", "devops")

    settings.LLM_API_KEY = ""
    with pytest.raises(CommandError, match="no LLM is configured"):
        generate("--campaign", "devops")
    with pytest.raises(CommandError, match="no campaign named 'nosuch' \\(campaigns: devops\\)"):
        generate("--campaign", "nosuch")
    assert not SearchKeyword.objects.exists()
