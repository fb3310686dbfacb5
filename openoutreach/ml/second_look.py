"""The second look of a qualify run (service.qualify_campaign, step 6): a verdict on every LLM-labelled lead
the model knows (`Qualifier.second_look`), further opinions asked where its posterior is ambiguous, and the
verdicts applied to the CRM (`crm_labels.second_look`: hold, release, or promote an overruled "no").

The loop is the replay's (simulate._posterior_opinions), so that the product asks the same leads again:
while a lead's verdict is "ask", its next further prompt (qualification.FURTHER_PROMPTS: the k-th for a
lead with k-1 further answers) is asked, the answer is stored on the lead's row as it arrives and joins
its answers, and the verdicts are taken again. A further opinion is one LLM call, budgeted and logged like
a first one (an ActionLog "llm" row, purpose "further_opinion"). After a failure (budget spent, LLM
unavailable, an answer that does not parse) nothing more is asked, and every lead gets its verdict on the
answers it has (`second_look(answers, 0)`, which never says "ask"). Outside posterior mode, or with
`QualifierConfig.further_opinions` 0, nothing is asked: the "fits" answers the model doubts are held and
the held ones it no longer doubts are released, as before further opinions existed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crm.models import Lead

from openoutreach.ml import crm_labels
from openoutreach.ml.budget_db import record_pause
from openoutreach.ml.context import MLContext
from openoutreach.ml.llm import BudgetExhausted, LLMUnavailable, NeedsReview
from openoutreach.ml.qualification import FURTHER_PROMPTS, CampaignBrief, further_opinion
from openoutreach.ml.qualifier import Qualifier, Verdict
from openoutreach.outreach.models import Campaign
from openoutreach.pipeline.leads import parsed_profile

log = logging.getLogger(__name__)
PURPOSE = "further_opinion"  # the ActionLog "llm" rows' purpose for these calls

Verdicts = dict[int, tuple[Verdict, float | None]]


@dataclass
class Asked:
    """What asking further opinions came to in one run."""

    opinions: int = 0  # further opinions asked (calls that got an answer, parsed or not)
    paused: str = ""  # why no more could be asked (budget spent, no LLM configured)
    error: str = ""  # the call that failed, or the answer that did not parse


def take_second_look(
    campaign: Campaign,
    model: Qualifier,
    ctx: MLContext,
    keep_alive: Callable[[], None] = lambda: None,
    task_id: str = "",
    ask: bool = True,
) -> tuple[crm_labels.SecondLook, Asked]:
    """The second look at the campaign's LLM-labelled leads, with further opinions where the model's
    config allows them and `ask` (False after an LLM failure earlier in the run). Operators' labels are
    never looked at. `keep_alive` is called before each LLM call."""
    answers = crm_labels.llm_answers(campaign.pk, {label.lead_id for label in model.labels})
    opinions = min(model.max_further_opinions, len(FURTHER_PROMPTS)) if model.posterior_mode else 0
    asked = Asked()
    verdicts = _verdicts(campaign, model, answers, opinions if ask else 0, ctx, asked, keep_alive, task_id)
    look = crm_labels.second_look(campaign, verdicts, len(model.labels), task_id)
    return look, asked


def _verdicts(
    campaign: Campaign,
    model: Qualifier,
    answers: dict[int, tuple[int, ...]],
    opinions: int,
    ctx: MLContext,
    asked: Asked,
    keep_alive: Callable[[], None],
    task_id: str,
) -> Verdicts:
    """The replay's loop: ask while any verdict is "ask"; on a failure, the verdicts without asking."""
    unaskable: set[int] = set()  # leads whose profile is gone: their verdict rests on the answers they have

    def look(n: int) -> Verdicts:  # the recheck budget then goes to the next rejected leads in line
        return model.second_look(answers, n, unaskable)

    def stop() -> Verdicts:
        return model.second_look(answers, 0)

    verdicts = look(opinions)
    if not any(verdict == "ask" for verdict, _ in verdicts.values()):
        return verdicts
    brief = CampaignBrief(product=campaign.product_docs, objective=campaign.campaign_objective)
    try:
        client, budget = ctx.client(campaign, PURPOSE)
        budget.check()
    except BudgetExhausted as exc:
        asked.paused = str(exc)
        record_pause(campaign, str(exc), task_id)
        return stop()
    while asking := [lead for lead, (verdict, _) in verdicts.items() if verdict == "ask"]:
        profiles = _profiles(asking)
        unaskable.update(lead for lead in asking if lead not in profiles)
        for lead in [lead for lead in asking if lead in profiles]:
            keep_alive()
            budget.lead_id = lead
            k = len(answers[lead])  # the first answer and k-1 further ones: the k-th further prompt next
            try:
                opinion = further_opinion(client, brief, profiles[lead], k)
            except BudgetExhausted as exc:
                asked.paused = str(exc)
                record_pause(campaign, str(exc), task_id)
                return stop()
            except LLMUnavailable as exc:  # MalformedAnswer too: the call was spent, nothing was said
                budget.mark_failed(str(exc))
                asked.error = str(exc)
                log.warning("campaign %s: %s; no more further opinions in this run", campaign.pk, exc)
                return stop()
            asked.opinions += 1
            if isinstance(opinion, NeedsReview):
                asked.error = f"a further opinion did not parse: {opinion.reason}"
                log.warning("campaign %s: %s; no more further opinions in this run", campaign.pk, asked.error)
                return stop()
            crm_labels.record_further(
                campaign, lead, FURTHER_PROMPTS[k - 1], opinion.qualified, opinion.reason
            )
            answers[lead] = (*answers[lead], int(opinion.qualified))
        verdicts = look(opinions)
    return verdicts


def _profiles(lead_ids: list[int]) -> Mapping[int, Mapping[str, Any]]:
    """The parsed profiles of these leads (a lead whose profile is gone is left out)."""
    found = {}
    for lead in Lead.objects.filter(pk__in=lead_ids).only("pk", "description"):
        profile = parsed_profile(lead)
        if profile is not None:
            found[lead.pk] = profile
    return found
