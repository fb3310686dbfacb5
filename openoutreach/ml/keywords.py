"""LinkedIn search keywords for a campaign, from the LLM (structured list), never repeating used ones."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from openoutreach.ml.llm import LLMClient, NeedsReview
from openoutreach.ml.prompts import render
from openoutreach.ml.qualification import CampaignBrief


class SearchKeywords(BaseModel):
    keywords: list[str] = Field(description="LinkedIn people-search keywords, 1-4 words each")


def _norm(keyword: str) -> str:
    return " ".join(keyword.lower().split())


def generate_keywords(
    client: LLMClient, campaign: CampaignBrief, used: Iterable[str], count: int = 10
) -> list[str] | NeedsReview:
    """Up to `count` new keywords. The used ones are named in the prompt as excluded, and anything the
    model repeats anyway (or duplicates, or leaves empty) is dropped here as well."""
    used = sorted({k.strip() for k in used if k and k.strip()}, key=str.lower)
    system = render("keywords_system")
    user = render(
        "keywords_user", product=campaign.product, objective=campaign.objective, count=count, used=used
    )
    answer = client.structured(SearchKeywords, system, user)
    if isinstance(answer, NeedsReview):
        return answer
    seen = {_norm(k) for k in used}
    fresh: list[str] = []
    for keyword in answer.keywords:
        cleaned = " ".join(keyword.split()).strip(" \"'")
        if cleaned and _norm(cleaned) not in seen:
            seen.add(_norm(cleaned))
            fresh.append(cleaned)
    return fresh[:count]
