"""Where the people of a campaign are now: one count per state, for the admin and the dashboard.

Discovered and enriched people are a workspace pool that every campaign draws from (a person gets a
label per campaign), so those two counts are "in the pool and not yet decided for this campaign".
From qualification on, the counts are the campaign's own: its labels and its deals' states (the
indexed copy `DealState.state` of the CRM stage). Each person is counted in exactly one state:

    discovered    URL only (not enriched, not unavailable), no decision for this campaign
    enriched      profile fetched, no decision yet (including labels that await review)
    qualified     fits: a deal at New, or a "fits" label whose deal is not created yet
    disqualified  does not fit (label 0, no deal)
    pending / connected / completed / replied / failed   the deal's state
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from openoutreach.outreach.models import Campaign, DealState, LinkedInProfile, Qualification
from openoutreach.pipeline import stages

STATES = (
    "discovered",
    "enriched",
    "qualified",
    "disqualified",
    "pending",
    "connected",
    "completed",
    "replied",
    "failed",
)
DEAL_STATES = {
    stages.NEW: "qualified",
    stages.PENDING: "pending",
    stages.CONNECTED: "connected",
    stages.COMPLETED: "completed",
    stages.REPLIED: "replied",
    stages.FAILED: "failed",
}


@dataclass(frozen=True)
class Funnel:
    campaign: Campaign
    counts: dict[str, int]
    needs_review: int  # labelled "needs review" (inside `enriched`)
    unavailable: int  # private or deleted profiles in the pool (outside every state)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        return " · ".join(f"{self.counts[s]} {s}" for s in STATES)


def funnel(campaign: Campaign) -> Funnel:
    counts = dict.fromkeys(STATES, 0)
    for row in DealState.objects.filter(campaign=campaign).values("state").annotate(n=Count("id")):
        counts[DEAL_STATES.get(row["state"], "failed")] += row["n"]

    has_deal = DealState.objects.filter(campaign=campaign, lead_id=OuterRef("lead_id"))
    labels = Qualification.objects.filter(campaign=campaign).filter(~Exists(has_deal))
    by_label = {row["label"]: row["n"] for row in labels.values("label").annotate(n=Count("id"))}
    counts["qualified"] += by_label.get(1, 0)
    counts["disqualified"] = by_label.get(0, 0)

    decided = Qualification.objects.filter(
        campaign=campaign, lead_id=OuterRef("lead_id"), label__isnull=False
    )
    pool = LinkedInProfile.objects.filter(~Exists(has_deal), ~Exists(decided))
    available = pool.filter(unavailable_reason="")
    counts["discovered"] = available.filter(enriched_at__isnull=True).count()
    counts["enriched"] = available.filter(enriched_at__isnull=False).count()
    return Funnel(campaign, counts, by_label.get(None, 0), pool.exclude(unavailable_reason="").count())
