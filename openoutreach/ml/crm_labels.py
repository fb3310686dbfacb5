"""Qualification rows in the CRM <-> the qualifier's training labels, and what each outcome writes.

The labels live in the CRM (`Qualification`, one row per campaign and lead); the model is derived from
them. Only LLM and operator labels train it, in the order they were given (`at`, then id); automatic
decisions (source "model") are never fed back, or the model would learn from itself.

Besides the label, a row asked of the LLM keeps two columns:
- `audit`: what the model would have decided on its own when the LLM was asked (auto_accept,
  auto_reject or empty). The qualifier derives its audit record, hence its right to decide alone, from it.
- `llm_label`: the LLM's answer (0/1). It matters when the row's label is empty because the lead is held
  for human review after the model disputed the LLM's answer: the answer still trains the model.
A garbage answer (NeedsReview) is stored with an empty label, `llm_label` and `audit` (no answer, so no
audit answer either): nothing trains on it and nothing is guessed. `reason` holds only text for people.

Label 1 promotes the lead (Contact + Company + Deal at New, `pipeline.transitions.promote`) in the same
transaction as the row; label 0 only disqualifies it for this campaign.

The second look (`second_look`, after each qualify run): the LLM's "fits" answers the current model doubts
(`Qualifier.doubted`) are held for review (label emptied, `llm_label` kept, the deal closed as "Held for
review" if nobody has contacted the person yet); held answers it no longer doubts are released (label 1,
the deal back to New, or promoted if it never was). Operator labels are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from crm.models import Lead
from django.db import IntegrityError, transaction

from openoutreach.ml.qualifier import AutoAction, Decision
from openoutreach.outreach.models import Campaign, DealState, Qualification
from openoutreach.pipeline.transitions import TransitionRefused, hold_for_review, promote, release_hold

log = logging.getLogger(__name__)

TRAINING_SOURCES = (Qualification.Source.LLM, Qualification.Source.OPERATOR)
# A held answer's reason: _HELD + why + _LLM_REASON + the LLM's own reason (restored on release).
_HELD = "needs review: "
_LLM_REASON = "; LLM reason: "


@dataclass(frozen=True)
class TrainingRow:
    lead_id: int
    label: int
    audit: AutoAction | None


def training_rows(campaign_id: int) -> list[TrainingRow]:
    """The campaign's training labels in the order they were given."""
    rows = (
        Qualification.objects.filter(campaign_id=campaign_id, source__in=TRAINING_SOURCES)
        .order_by("at", "id")
        .values_list("lead_id", "label", "llm_label", "audit")
    )
    out: list[TrainingRow] = []
    for lead_id, label, llm_label, audit in rows:
        if label in (0, 1):
            out.append(TrainingRow(lead_id, int(label), audit or None))
        elif llm_label in (0, 1):  # held for review after a dispute: the LLM's answer still trains the model
            out.append(TrainingRow(lead_id, int(llm_label), audit or None))
    return out


def _create(
    campaign: Campaign,
    lead: Lead,
    label: int | None,
    source: str,
    reason: str,
    d: Decision | None,
    llm_label: int | None = None,
    audit: AutoAction | None = None,
) -> Qualification | None:
    """The row, and the promotion for label 1, in one transaction. None when the lead was labelled for
    this campaign meanwhile (an operator, a second process): theirs stands."""
    try:
        with transaction.atomic():
            row = Qualification.objects.create(
                campaign=campaign, lead=lead, label=label, source=source, reason=reason,
                llm_label=llm_label, audit=audit or "",
                prob=d.p if d else None, std=d.std if d else None, entropy=d.entropy if d else None,
            )  # fmt: skip
            if label == 1:
                promote(lead, campaign, score=d.p if d else None)
    except IntegrityError:
        log.info("lead %s already has a label in campaign %s: keeping it", lead.pk, campaign.pk)
        return None
    return row


def record_llm(
    campaign: Campaign, lead: Lead, decision: Decision, qualified: bool, reason: str, disputed: bool
) -> Qualification | None:
    """The LLM's verdict: the label (promoting a fit), or, when the model disputes it, a lead held for
    human review whose `llm_label` keeps the LLM's answer for training."""
    answer = int(qualified)
    if disputed:
        said = "fits" if qualified else "does not fit"
        text = (
            f"{_HELD}the LLM says the lead {said} but the model puts its fit probability at "
            f"{decision.p:.2f}{_LLM_REASON}{reason}"
        )
        return _create(campaign, lead, None, Qualification.Source.LLM, text, decision, answer, decision.audit)
    return _create(campaign, lead, answer, Qualification.Source.LLM, reason, decision, answer, decision.audit)


def llm_positive_ids(campaign_id: int) -> set[int]:
    """Leads whose training label is the LLM's "fits" (held or not): the ones the second look may doubt."""
    return set(
        Qualification.objects.filter(
            campaign_id=campaign_id, source=Qualification.Source.LLM, llm_label=1
        ).values_list("lead_id", flat=True)
    )


@dataclass
class SecondLook:
    held: int = 0  # promoted leads held for review now
    released: int = 0  # held leads promoted again
    kept: int = 0  # doubted, but already contacted (or claimed by a lane): left as they are


def second_look(
    campaign: Campaign, doubted: dict[int, float], judged: set[int], labels: int, task_id: str = ""
) -> SecondLook:
    """Hold the LLM "fits" answers in `doubted` (lead id -> leave-one-out probability) for review; release
    the held ones the model judged (`judged`: the LLM-positive leads among its labels) and no longer
    doubts. Each lead in its own transaction; a lead contacted meanwhile stays as it is."""
    result = SecondLook()
    rows = Qualification.objects.filter(campaign=campaign, source=Qualification.Source.LLM, llm_label=1)
    for row in rows.filter(label=1, lead_id__in=list(doubted)):
        p = doubted[row.lead_id]
        why = (
            f"the LLM says the lead fits but the model trained on the {labels - 1} other labels puts its fit "
            f"probability at {p:.2f}"
        )
        try:
            with transaction.atomic():
                ds = DealState.objects.filter(campaign=campaign, lead_id=row.lead_id).first()
                if ds is not None:
                    hold_for_review(ds, f"held for review: {why}", task_id)
                Qualification.objects.filter(pk=row.pk, label=1).update(
                    label=None, reason=f"{_HELD}{why}{_LLM_REASON}{row.reason}", prob=p
                )
            result.held += 1
        except TransitionRefused:
            result.kept += 1
    for row in rows.filter(label__isnull=True, lead_id__in=list(judged - set(doubted))).select_related(
        "lead"
    ):
        if not row.reason.startswith(_HELD) or _LLM_REASON not in row.reason:
            continue  # not a dispute this module wrote: a human decides
        original = row.reason.split(_LLM_REASON, 1)[1]
        try:
            with transaction.atomic():
                ds = DealState.objects.filter(campaign=campaign, lead_id=row.lead_id).first()
                if ds is None:
                    promote(row.lead, campaign)
                else:
                    release_hold(ds, "released: a later model no longer doubts the LLM's answer", task_id)
                Qualification.objects.filter(pk=row.pk, label__isnull=True).update(label=1, reason=original)
            result.released += 1
        except TransitionRefused:
            continue
    return result


def decided_alone(campaign_id: int) -> tuple[list[int], list[int]]:
    """The leads the model rejected and accepted on its own in this campaign (their rows still say so:
    source "model"); the mass gates count them against their budget."""
    rows = Qualification.objects.filter(campaign_id=campaign_id, source=Qualification.Source.MODEL)
    rejected = list(rows.filter(label=0).values_list("lead_id", flat=True))
    accepted = list(rows.filter(label=1).values_list("lead_id", flat=True))
    return rejected, accepted


def record_needs_review(
    campaign: Campaign, lead: Lead, decision: Decision, problem: str
) -> Qualification | None:
    """The LLM's answer did not parse (twice): a human decides; nothing is guessed, nothing trains."""
    return _create(campaign, lead, None, Qualification.Source.LLM, f"needs review: {problem}", decision)


def _auto_reason(d: Decision) -> str:
    return f"model: p={d.p:.3f}, std {d.std:.3f}, entropy {d.entropy:.3f} ({d.reason})"


def record_auto(campaign: Campaign, leads: dict[int, Lead], decisions: Iterable[Decision]) -> int:
    """The model's own decisions (never training labels). Rejections go in one bulk insert (they can
    number in the thousands on a campaign's first earned run); acceptances promote one by one."""
    decisions = list(decisions)
    rejects = [
        Qualification(
            campaign=campaign,
            lead_id=d.lead_id,
            label=0,
            source=Qualification.Source.MODEL,
            reason=_auto_reason(d),
            prob=d.p,
            std=d.std,
            entropy=d.entropy,
        )  # fmt: skip
        for d in decisions
        if d.action == "auto_reject"
    ]
    with transaction.atomic():
        before = Qualification.objects.filter(campaign=campaign).count()
        Qualification.objects.bulk_create(rejects, ignore_conflicts=True, batch_size=500)
        written = Qualification.objects.filter(campaign=campaign).count() - before
    for d in decisions:
        if d.action == "auto_accept":
            row = _create(campaign, leads[d.lead_id], 1, Qualification.Source.MODEL, _auto_reason(d), d)
            written += row is not None
    return written
