"""What the admin's front page shows an operator first: campaigns with their funnel line and the people
waiting for review, accounts with their state, and the latest failed actions. The full charts are on the
dashboard; this is the one-screen summary the admin lands on after login."""

from __future__ import annotations

from dataclasses import dataclass

from openoutreach.outreach.models import ActionLog, Campaign, LinkedInAccount

from . import review_queue
from .funnel import Funnel, funnel

RECENT_FAILURES = 5
# Outcomes an operator should look at: errors, checkpoints, missing controls and tripped breakers.
FAILED_OUTCOMES = (
    ActionLog.Outcome.FAILED,
    ActionLog.Outcome.CHECKPOINT,
    ActionLog.Outcome.NOT_FOUND,
    ActionLog.Outcome.BREAKER,
)


@dataclass(frozen=True)
class CampaignLine:
    campaign: Campaign
    funnel: Funnel
    waiting: int


@dataclass(frozen=True)
class Overview:
    campaigns: list[CampaignLine]
    accounts: list[LinkedInAccount]
    waiting: int
    failures: list[ActionLog]


def overview(recent_failures: int = RECENT_FAILURES) -> Overview:
    waiting = review_queue.waiting_counts()
    campaigns = [
        CampaignLine(c, funnel(c), waiting.get(c.pk, 0))
        for c in Campaign.objects.select_related("department").order_by("-active", "department__name")
    ]
    failures = ActionLog.objects.filter(outcome__in=FAILED_OUTCOMES).select_related("account", "campaign")
    return Overview(
        campaigns=campaigns,
        accounts=list(LinkedInAccount.objects.order_by("handle")),
        waiting=sum(waiting.values()),
        failures=list(failures.order_by("-at")[:recent_failures]),
    )
