"""The ML worker's writing tasks on the CRM: new search keywords for a campaign, follow-up drafts for a deal.

Both go through the campaign's budgeted LLM client; a spent budget (or no LLM configured) is reported
as a pause with one ActionLog row per day, and an answer that breaks the rules twice as NeedsReview.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from openoutreach.ml.budget_db import record_pause
from openoutreach.ml.context import MLContext
from openoutreach.ml.followup import StepBrief, draft_followup, inputs_from_profile
from openoutreach.ml.keywords import generate_keywords
from openoutreach.ml.llm import BudgetExhausted, LLMUnavailable, NeedsReview
from openoutreach.ml.qualification import CampaignBrief
from openoutreach.outreach.models import Campaign, DealState, SearchKeyword, SequenceStep
from openoutreach.pipeline.leads import parsed_profile

log = logging.getLogger(__name__)


@dataclass
class KeywordsReport:
    campaign_id: int
    created: list[str] = field(default_factory=list)
    paused: str = ""
    error: str = ""  # endpoint failure or an answer that did not parse twice

    def as_dict(self) -> dict:
        return {
            "campaign_id": self.campaign_id,
            "created": self.created,
            "paused": self.paused,
            "error": self.error,
        }


def brief_of(campaign: Campaign) -> CampaignBrief:
    return CampaignBrief(product=campaign.product_docs, objective=campaign.campaign_objective)


def generate_campaign_keywords(
    campaign_id: int, ctx: MLContext, count: int = 10, task_id: str = ""
) -> KeywordsReport:
    """Ask the LLM for up to `count` new keywords and save them as unused SearchKeyword rows. Every keyword
    the campaign already has (used or not) is excluded, in the prompt and again here."""
    campaign = Campaign.objects.select_related("department").get(pk=campaign_id)
    report = KeywordsReport(campaign.pk)
    existing = list(SearchKeyword.objects.filter(campaign=campaign).values_list("keyword", flat=True))
    try:
        client, _budget = ctx.client(campaign, "keywords")
        answer = generate_keywords(client, brief_of(campaign), existing, count=count)
    except BudgetExhausted as exc:
        report.paused = str(exc)
        record_pause(campaign, str(exc), task_id)
        return report
    except LLMUnavailable as exc:
        report.error = str(exc)
        return report
    if isinstance(answer, NeedsReview):
        report.error = answer.reason
        return report
    for keyword in answer:
        try:
            with transaction.atomic():
                SearchKeyword.objects.create(campaign=campaign, keyword=keyword[:200])
        except IntegrityError:  # same keyword in another spelling case the DB treats as equal
            continue
        report.created.append(keyword[:200])
    return report


@dataclass
class FollowupDraft:
    deal_state_id: int
    text: str = ""  # the message to send (booking link appended), empty when there is none
    review: str = ""  # why a human must write or approve it instead
    paused: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return {"deal_state_id": self.deal_state_id, "text": self.text, "review": self.review,
                "paused": self.paused, "error": self.error}  # fmt: skip


def draft_for_deal(
    deal_state_id: int, ctx: MLContext, task_id: str = "", step: int | None = None
) -> FollowupDraft:
    """Sequence step `step` (default: the deal's next one) for a deal's lead: an LLM draft filled from
    the parsed profile, the campaign's product (shared connections from the network distance, see
    followup.py) and the step's instruction, then the campaign's booking link."""
    state = DealState.objects.select_related("campaign__department", "lead").get(pk=deal_state_id)
    draft = FollowupDraft(state.pk)
    sequence = list(SequenceStep.objects.filter(campaign=state.campaign).order_by("position"))
    number = step or state.sequence_step + 1
    if number > len(sequence):
        draft.error = f"the campaign's sequence has no step {number}"
        return draft
    brief = StepBrief(number, len(sequence), sequence[number - 1].prompt.strip())
    profile = parsed_profile(state.lead)
    if profile is None:
        draft.review = "the lead has no enriched profile to write from"
        return draft
    try:
        inputs = inputs_from_profile(profile, state.campaign.product_docs)
    except ValueError as exc:
        draft.review = str(exc)
        return draft
    try:
        client, budget = ctx.client(state.campaign, "followup")
        budget.lead_id = state.lead_id
        message = draft_followup(client, inputs, booking_link=state.campaign.booking_link, step=brief)
    except BudgetExhausted as exc:
        draft.paused = str(exc)
        record_pause(state.campaign, str(exc), task_id)
        return draft
    except LLMUnavailable as exc:
        draft.error = str(exc)
        return draft
    if isinstance(message, NeedsReview):
        draft.review = message.reason
        return draft
    draft.text = message
    return draft
