"""The review queue of a campaign: the leads that wait for a person, most useful first, and what a card
shows about each (why it waits, what the LLM answered and the further opinions asked, the model's
probability).

Most useful first: the answer that would move the model most is the one it is least sure of, so rows are
ordered by how close the model's fit probability is to 0.5 (rows without one come after), then oldest
first. The numbers are those the qualifier wrote on the row (held rows carry their leave-one-out
probability); the page does not load the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Abs

from openoutreach.outreach.models import ActionLog, Campaign, DealState, Qualification
from openoutreach.pipeline import stages

from .decisions import WORDS, is_held, waiting

SHORT_REASON_CHARS = 220


def queue(campaign_id: int, exclude: Iterable[int] = ()) -> QuerySet[Qualification]:
    """The campaign's waiting rows in review order, without `exclude` (this operator's skipped rows)."""
    return (
        waiting(campaign_id)
        .exclude(pk__in=list(exclude))
        .annotate(doubt=Abs(F("prob") - 0.5))
        .order_by(F("doubt").asc(nulls_last=True), "at", "id")
        .select_related("lead", "campaign__department")
    )


@dataclass(frozen=True)
class Card:
    row: Qualification
    deal: DealState | None
    why: str  # why a person is asked, from the row's state
    kind: str  # held | disputed | unparsable | operator | other

    @property
    def llm_says(self) -> str:
        return {1: "fits", 0: "does not fit"}.get(self.row.llm_label, "no usable answer")

    @property
    def further_says(self) -> str:
        """The further opinions the second look asked, in words ("" when none were asked)."""
        return self.row.further_said()

    @property
    def short_reason(self) -> str:
        text = self.row.reason
        return text if len(text) <= SHORT_REASON_CHARS else text[:SHORT_REASON_CHARS].rstrip() + "…"

    @property
    def reason_is_long(self) -> bool:
        return len(self.row.reason) > SHORT_REASON_CHARS


def card(row: Qualification) -> Card:
    """What the card says about a waiting row; the reason it waits comes from its state, not its text."""
    deal = (
        DealState.objects.select_related("deal__closing_reason")
        .filter(campaign_id=row.campaign_id, lead_id=row.lead_id)
        .first()
    )
    p = "unknown" if row.prob is None else f"{row.prob:.2f}"
    if row.source == Qualification.Source.OPERATOR:
        return Card(row, deal, "An operator sent this lead back for review.", "operator")
    if row.llm_label is None:
        return Card(row, deal, "The LLM's output did not parse (twice): nothing was guessed.", "unparsable")
    said = WORDS[row.llm_label]
    if row.further:
        said += f" (further opinions: {row.further_said()})"
    if is_held(deal):
        why = (
            f"Held: the LLM said it {said}, but the model trained on the other labels puts its fit "
            f"probability at {p}. Its deal was closed before anyone contacted the person."
        )
        return Card(row, deal, why, "held")
    why = f"Disputed: the LLM said it {said}, but the model puts its fit probability at {p}."
    return Card(row, deal, why, "disputed")


@dataclass(frozen=True)
class Progress:
    decided: int  # by this operator, this session
    skipped: int
    waiting: int  # in the campaign now (skipped ones included)

    def line(self) -> str:
        return f"{self.decided} decided · {self.skipped} skipped · {self.waiting} waiting"


@dataclass(frozen=True)
class Loop:
    """Where the qualifier stands with the operator's answers: its last run, and what still waits."""

    last_run_at: datetime | None
    last_run: str  # the run's own summary (it says how many held leads the second look released)
    held_waiting: int  # held leads the model still doubts

    def decided_since_run(self, decided_at: Iterable[datetime]) -> int:
        return sum(1 for at in decided_at if self.last_run_at is None or at > self.last_run_at)


def loop(campaign: Campaign) -> Loop:
    run = (
        ActionLog.objects.filter(campaign=campaign, kind=ActionLog.Kind.QUALIFY, lead__isnull=True)
        .order_by("-at", "-id")
        .first()
    )
    held = DealState.objects.filter(
        campaign=campaign,
        state=stages.FAILED,
        deal__closing_reason__name=stages.HELD_FOR_REVIEW,
        lead_id__in=waiting(campaign.pk).exclude(llm_label=None).values("lead_id"),
    ).count()
    return Loop(run.at if run else None, run.detail if run else "", held)


def waiting_counts() -> dict[int, int]:
    """Campaign id -> rows waiting for review (the menu link and the index page)."""
    return dict(waiting().order_by().values_list("campaign_id").annotate(n=Count("id")))
