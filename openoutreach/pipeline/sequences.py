"""A campaign's sequence of messages after acceptance: which step a deal is at, when it may go, its text.

`DealState.sequence_step` counts the steps already sent; the next one is the campaign's step at that
index (in position order). `DealState.next_message_at` is when it may go: the acceptance plus step 1's
delay, then each sent step plus the next step's delay (divided by TIME_SCALE in rehearsals); an
out-of-office reply may push it back (`stop_rules`). A campaign always has at least one step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.models import Lead
from django.conf import settings

from openoutreach.outreach.models import Campaign, DealState, SequenceStep
from openoutreach.outreach.sequence_models import DEFAULT_FOLLOWUP_TEMPLATE

from .followup import render_template


def steps(campaign: Campaign) -> list[SequenceStep]:
    return list(SequenceStep.objects.filter(campaign=campaign).order_by("position"))


def ensure_sequence(campaign: Campaign, template: str = DEFAULT_FOLLOWUP_TEMPLATE) -> list[SequenceStep]:
    """Give a campaign without steps its one-step sequence: an LLM draft at acceptance, `template`
    when no LLM is available (what a campaign did before sequences existed)."""
    if not SequenceStep.objects.filter(campaign=campaign).exists():
        SequenceStep.objects.create(
            campaign=campaign, position=1, delay_days=0, kind=SequenceStep.Kind.LLM, template=template
        )
    return steps(campaign)


def next_step(ds: DealState) -> tuple[SequenceStep | None, int]:
    """(the step this deal sends next or None when none is left, how many steps the sequence has)."""
    sequence = steps(ds.campaign)
    step = sequence[ds.sequence_step] if ds.sequence_step < len(sequence) else None
    return step, len(sequence)


def delay(step: SequenceStep | None) -> timedelta:
    """How long a step waits after the previous one (rehearsals compress it by TIME_SCALE)."""
    days = step.delay_days if step is not None else 0.0
    return timedelta(days=days) / settings.TIME_SCALE


def first_message_at(campaign: Campaign, accepted_at: datetime) -> datetime:
    """When step 1 may go after an acceptance at `accepted_at`."""
    first = SequenceStep.objects.filter(campaign=campaign).order_by("position").first()
    return accepted_at + delay(first)


def render_step(step: SequenceStep, campaign: Campaign, lead: Lead) -> str:
    return render_template(step.template, campaign, lead, f"the template of sequence step {step.position}")
