"""The ML worker's side of reply intent: classify one stored reply within its campaign's LLM budget and
apply the consequences (`replies.apply_intent`). A spent budget or a missing LLM is a pause (the reply
waits for the operator); an answer that does not parse, or an endpoint that fails, leaves the reply
"needs review" with the reason: never a guessed intent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from openoutreach.ml.budget_db import record_pause
from openoutreach.ml.context import MLContext
from openoutreach.ml.llm import BudgetExhausted, LLMUnavailable, NeedsReview
from openoutreach.ml.qualification import CampaignBrief
from openoutreach.ml.reply_intent import classify_reply

from . import replies
from .models import Message

log = logging.getLogger(__name__)


@dataclass
class Classified:
    message_id: int
    intent: str = ""
    review: str = ""
    paused: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def classify_message(message_id: int, ctx: MLContext, task_id: str = "") -> Classified:
    message = Message.objects.select_related("thread__deal_state__campaign").get(pk=message_id)
    result = Classified(message.pk)
    if message.intent_source == Message.IntentSource.OPERATOR:
        result.intent = message.intent  # the operator decided: the model is not asked again
        return result
    ds = message.thread.deal_state
    if ds is None or message.direction != Message.Direction.FROM_PERSON:
        result.review = "not a reply on a deal of ours"
        return result
    campaign = ds.campaign
    ours = (
        Message.objects.filter(thread=message.thread, direction=Message.Direction.FROM_US, pk__lt=message.pk)
        .order_by("-pk")
        .values_list("text", flat=True)
        .first()
    ) or ""
    try:
        client, budget = ctx.client(campaign, "reply_intent")
        budget.lead_id = ds.lead_id
        answer = classify_reply(
            client, CampaignBrief(campaign.product_docs, campaign.campaign_objective), message.text, ours
        )
    except BudgetExhausted as exc:
        result.paused = str(exc)
        record_pause(campaign, str(exc), task_id)
        Message.objects.filter(pk=message.pk).update(needs_review=f"not classified: {exc}"[:1000])
        return result
    except LLMUnavailable as exc:
        result.error = str(exc)
        Message.objects.filter(pk=message.pk).update(needs_review=f"the LLM failed: {exc}"[:1000])
        return result
    if isinstance(answer, NeedsReview):
        result.review = answer.reason
        Message.objects.filter(pk=message.pk).update(needs_review=answer.reason[:1000])
        return result
    replies.apply_intent(message, answer.intent, Message.IntentSource.LLM, answer.reason, task_id=task_id)
    result.intent = answer.intent
    return result
