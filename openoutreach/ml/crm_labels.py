"""Qualification rows in the CRM <-> the qualifier's training labels, and what each outcome writes.

The labels live in the CRM (`Qualification`, one row per campaign and lead); the model is derived from
them. Only LLM and operator labels train it, in the order they were given (`at`, then id); automatic
decisions (source "model") are never fed back, or the model would learn from itself.

Besides the label, a row asked of the LLM keeps two columns:
- `audit`: what the model would have decided on its own when the LLM was asked (auto_accept,
  auto_reject or empty). The qualifier derives its audit record, hence its right to decide alone, from it.
- `llm_label`: the LLM's (first) answer (0/1), the one that trains the model: the row's label may be
  empty (held for human review after the model disputed or doubted the answer) or, in posterior mode, 1
  where the second look overruled a "does not fit"; the answer trains the model either way.
- `further`: the further opinions the second look asked (posterior mode), which weigh in its verdicts and
  never train the model (as in the replay, simulate.run_policy).
A garbage answer (NeedsReview) is stored with an empty label, `llm_label` and `audit` (no answer, so no
audit answer either): nothing trains on it and nothing is guessed. `reason` holds only text for people.

Label 1 promotes the lead (Contact + Company + Deal at New, `pipeline.transitions.promote`) in the same
transaction as the row; label 0 only disqualifies it for this campaign.

The second look (`second_look`, after each qualify run) applies `Qualifier.second_look`'s verdicts: a
promoted LLM-labelled lead the current model no longer qualifies (a "fits" it doubts) is held for review
(label emptied, `llm_label` kept, the deal closed as "Held for review" if nobody has contacted the person
yet); a held one it qualifies again is released (label 1, the deal back to New, or promoted if it never
was); in posterior mode an LLM "does not fit" it qualifies (further opinions and the model overruling the
first answer) is promoted. Operator labels are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm.models import Lead
from django.db import IntegrityError, transaction

from openoutreach.ml.qualifier import AutoAction, Decision, Verdict
from openoutreach.outreach.models import Campaign, DealState, Qualification
from openoutreach.pipeline import stages
from openoutreach.pipeline.transitions import TransitionRefused, hold_for_review, promote, release_hold

log = logging.getLogger(__name__)

TRAINING_SOURCES = (Qualification.Source.LLM, Qualification.Source.OPERATOR)
# A held answer's reason: _HELD + why + _LLM_REASON + the LLM's own reason (restored on release).
_HELD = "needs review: "
_LLM_REASON = "; LLM reason: "
# An LLM "does not fit" the second look qualified: _OVERRULED + why + _LLM_REASON + the LLM's own reason.
_OVERRULED = "qualified by the second look: "
_WORDS = {1: "fits", 0: "does not fit"}


@dataclass(frozen=True)
class TrainingRow:
    lead_id: int
    label: int
    audit: AutoAction | None


def training_rows(campaign_id: int) -> list[TrainingRow]:
    """The campaign's training labels in the order they were given: an operator's label; for a row the
    LLM answered, its first answer (held for review or overruled by further opinions, that answer still
    trains the model, as in the replay)."""
    rows = (
        Qualification.objects.filter(campaign_id=campaign_id, source__in=TRAINING_SOURCES)
        .order_by("at", "id")
        .values_list("lead_id", "source", "label", "llm_label", "audit")
    )
    out: list[TrainingRow] = []
    for lead_id, source, label, llm_label, audit in rows:
        if source == Qualification.Source.LLM and llm_label in (0, 1):
            out.append(TrainingRow(lead_id, int(llm_label), audit or None))
        elif label in (0, 1):
            out.append(TrainingRow(lead_id, int(label), audit or None))
        elif llm_label in (0, 1):  # an operator sent it back for review: the LLM's answer still trains
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


def llm_answers(campaign_id: int, lead_ids: Iterable[int] | None = None) -> dict[int, tuple[int, ...]]:
    """What the second look weighs for each LLM-labelled lead (of `lead_ids`, default all): the LLM's first
    answer, then the further opinions asked so far, in order. Operators' labels and answers that did not
    parse are left out."""
    rows = Qualification.objects.filter(
        campaign_id=campaign_id, source=Qualification.Source.LLM, llm_label__in=(0, 1)
    ).values_list("lead_id", "llm_label", "further")
    wanted = None if lead_ids is None else set(lead_ids)  # filtered here: thousands of ids in SQL are slow
    return {
        lead_id: (int(first), *(int(opinion["answer"]) for opinion in further))
        for lead_id, first, further in rows
        if wanted is None or lead_id in wanted
    }


def record_further(campaign: Campaign, lead_id: int, prompt: str, qualified: bool, reason: str) -> None:
    """Append one further opinion to the lead's row (under a row lock: the review page may be saving it)."""
    with transaction.atomic():
        row = Qualification.objects.select_for_update().get(campaign=campaign, lead_id=lead_id)
        row.further = [*row.further, {"prompt": prompt, "answer": int(qualified), "reason": reason}]
        row.save(update_fields=["further"])


@dataclass
class SecondLook:
    held: int = 0  # promoted leads held for review now
    released: int = 0  # held leads promoted again
    overruled: int = 0  # LLM "does not fit" answers the second look qualified: the leads are promoted
    kept: int = 0  # doubted or qualified, but already contacted (or claimed by a lane): left as they are


class _Moved(RuntimeError):
    """The row changed since it was read (an operator decided): roll back, theirs stands."""


def second_look(
    campaign: Campaign,
    verdicts: Mapping[int, tuple[Verdict, float | None]],
    labels: int,
    task_id: str = "",
) -> SecondLook:
    """Apply the second look's verdicts (`Qualifier.second_look`, lead id -> (verdict, probability)) to the
    LLM-labelled rows: a promoted lead whose verdict is not "qualified" is held for review; a lead not
    promoted whose verdict is "qualified" is promoted (a held one released, a "does not fit" overruled
    when further opinions were asked: without them, the replay would promote it on the model's word, the
    product keeps today's rule that only a person overrules the LLM's "no").
    Everything else stays as it is: a verdict without a probability (a lead the model never judged), an
    operator's label, a lead someone contacted meanwhile (`kept`). Each lead in its own transaction."""
    result = SecondLook()
    llm_rows = Qualification.objects.filter(
        campaign=campaign, source=Qualification.Source.LLM, llm_label__in=(0, 1)
    )
    moving = [  # the few rows whose state differs from their verdict, picked from the light columns
        pk
        for pk, lead, label in llm_rows.values_list("pk", "lead_id", "label")
        if lead in verdicts
        and verdicts[lead][1] is not None
        and verdicts[lead][0] != "ask"
        and (label == 1) != (verdicts[lead][0] == "qualified")
    ]
    for row in Qualification.objects.filter(pk__in=moving).select_related("lead"):
        verdict, p = verdicts[row.lead_id]
        qualified = verdict == "qualified"
        if row.label == 1 and not qualified:
            action = _hold
        elif row.label != 1 and qualified:
            if row.label is None and not (row.reason.startswith(_HELD) and _LLM_REASON in row.reason):
                continue  # not a hold this module wrote: a human decides
            if row.llm_label == 0 and not row.further:
                continue  # the model alone never overrules a "no" (it disputes it for a person, as before)
            action = _promote
        else:
            continue
        try:
            with transaction.atomic():
                outcome = action(campaign, row, p, labels, task_id)
        except TransitionRefused:
            result.kept += 1
            continue
        except _Moved:
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def decided_alone(campaign_id: int) -> tuple[list[int], list[int]]:
    """The leads the model rejected and accepted on its own in this campaign (their rows still say so:
    source "model"); the mass gates count them against their budget."""
    rows = Qualification.objects.filter(campaign_id=campaign_id, source=Qualification.Source.MODEL)
    rejected = list(rows.filter(label=0).values_list("lead_id", flat=True))
    accepted = list(rows.filter(label=1).values_list("lead_id", flat=True))
    return rejected, accepted


def take_back(campaign: Campaign, lead_ids: Iterable[int]) -> int:
    """Automatic rejections the model no longer makes (QualifierConfig.revisit_rejections): their rows go,
    so the leads are pending again and asked like any other (the rows were the model's own decisions,
    never labels; nobody contacts a rejected lead). A row someone changed meanwhile stays. Returns how many
    went."""
    ids = list(lead_ids)
    if not ids:
        return 0
    rows = Qualification.objects.filter(campaign=campaign, source=Qualification.Source.MODEL, label=0)
    deleted, _ = rows.filter(lead_id__in=ids).delete()
    return deleted


def _said(row: Qualification) -> str:
    text = f"the LLM says the lead {_WORDS[row.llm_label]}"
    if row.further:
        text += f" (further opinions: {', '.join(_WORDS[o['answer']] for o in row.further)})"
    return text


def _update(row: Qualification, **values) -> None:
    """Write `values` on the row if nobody changed its label meanwhile, else raise _Moved (rolls back)."""
    rows = Qualification.objects.filter(pk=row.pk, source=Qualification.Source.LLM)
    rows = rows.filter(label__isnull=True) if row.label is None else rows.filter(label=row.label)
    if not rows.update(**values):
        raise _Moved(f"qualification {row.pk} changed meanwhile")


def _hold(campaign: Campaign, row: Qualification, p: float, labels: int, task_id: str) -> str:
    """A promoted lead the second look no longer qualifies: held for review while nobody contacted it."""
    others = f"the model trained on the {labels - 1} other labels"
    if row.further:
        why = f"{_said(row)}, and with {others} its fit probability is {p:.2f}"
    else:
        why = f"{_said(row)} but {others} puts its fit probability at {p:.2f}"
    ds = DealState.objects.filter(campaign=campaign, lead_id=row.lead_id).first()
    if ds is not None:
        hold_for_review(ds, f"held for review: {why}", task_id)
    _update(row, label=None, reason=f"{_HELD}{why}{_LLM_REASON}{row.reason}", prob=p)
    return "held"


def _promote(campaign: Campaign, row: Qualification, p: float, labels: int, task_id: str) -> str:
    """A lead the second look qualifies: its held deal back to New, or a deal created. A "does not fit"
    (only ever with further opinions, see `second_look`): the reason says what overruled it."""
    if row.llm_label == 1:
        reason, outcome = row.reason.split(_LLM_REASON, 1)[1], "released"
        detail = "released: a later model no longer doubts the LLM's answer"
    else:
        first = row.reason.rsplit(_LLM_REASON, 1)[1] if _LLM_REASON in row.reason else row.reason
        words = ", ".join(_WORDS[o["answer"]] for o in row.further)
        why = (
            f"further opinions ({words}) overrule the LLM's first answer (does not fit); with the model "
            f"trained on the {labels - 1} other labels"
        )
        reason, outcome = f"{_OVERRULED}{why} its fit probability is {p:.2f}{_LLM_REASON}{first}", "overruled"
        detail = f"released: {_OVERRULED}{why} its fit probability is {p:.2f}"
    ds = DealState.objects.filter(campaign=campaign, lead_id=row.lead_id).first()
    if ds is None:
        promote(row.lead, campaign)
    elif ds.state != stages.NEW:
        release_hold(ds, detail, task_id)
    _update(row, label=1, reason=reason, **({"prob": p} if outcome == "overruled" else {}))
    return outcome


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
