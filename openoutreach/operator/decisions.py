"""An operator's decision on a lead of a campaign, wherever it is taken (the review page, the
Qualification admin's form and its bulk actions): one code path, so every decision

1. becomes the row's label with source "operator" (a training label the qualifier learns from on its next
   run, and one the second look never touches again: an operator is never second-guessed);
2. moves the deal as the second look does: "fits" releases a held deal to New (or promotes a lead that has
   none yet, once its profile is enriched); "does not fit" closes an uncontacted New deal as "Held for
   review". A deal that someone has contacted meanwhile stays as it is, and the result says so;
3. is in the audit trail (an ActionLog "qualify" row naming who decided).

`undo` puts the row and the deal back where the decision found them (see `Before`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import QuerySet

from openoutreach.outreach.models import ActionLog, DealState, LinkedInProfile, Qualification
from openoutreach.pipeline import stages, transitions

WORDS = {1: "fits", 0: "does not fit", None: "needs review"}

# What a decision did to the deal, so that `undo` can do the opposite.
PROMOTED, RELEASED, CLOSED, UNTOUCHED = "promoted", "released", "closed", "untouched"


class Taken(RuntimeError):
    """The lead was decided meanwhile (another operator, or the qualifier released it): theirs stands."""


@dataclass(frozen=True)
class Before:
    """The row as the decision found it, and what the decision did to the deal: enough to undo it.
    Plain values, so the review page keeps it in the session."""

    qualification_id: int
    label: int | None
    source: str
    reason: str
    deal_move: str

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Before:
        return cls(**data)


@dataclass(frozen=True)
class Outcome:
    row: Qualification
    before: Before
    note: str  # what happened to the deal, for people


def is_held(ds: DealState | None) -> bool:
    """A deal the qualifier closed as "Held for review" (it can go back to New)."""
    return (
        ds is not None
        and ds.state == stages.FAILED
        and ds.deal.closing_reason is not None
        and ds.deal.closing_reason.name == stages.HELD_FOR_REVIEW
    )


def _deal(row: Qualification) -> DealState | None:
    return (
        DealState.objects.select_related("deal__closing_reason", "campaign__department")
        .filter(campaign_id=row.campaign_id, lead_id=row.lead_id)
        .first()
    )


def _move_deal(row: Qualification, label: int, who: str) -> tuple[str, str]:
    """Release, promote or close the lead's deal in this campaign for the operator's label."""
    ds = _deal(row)
    try:
        if label == 1 and ds is None:
            if not LinkedInProfile.objects.filter(lead_id=row.lead_id, enriched_at__isnull=False).exists():
                return UNTOUCHED, "the deal is created once the profile is enriched"
            transitions.promote(row.lead, row.campaign, score=row.prob)
            return PROMOTED, "deal created at New"
        if label == 1 and is_held(ds):
            transitions.release_hold(ds, f"released: {who} decided the lead fits")
            return RELEASED, "deal released to New"
        if label == 0 and ds is not None and ds.state == stages.NEW:
            transitions.hold_for_review(ds, f"closed: {who} decided the lead does not fit")
            return CLOSED, "deal closed"
    except transitions.TransitionRefused as exc:
        return UNTOUCHED, f"deal left as it is ({exc})"
    if ds is None:
        return UNTOUCHED, "no deal"
    if ds.state in (stages.NEW, stages.FAILED):
        return UNTOUCHED, f"deal stays {ds.state}"
    return UNTOUCHED, f"deal stays {ds.state}: the person was already contacted"


def _log(row: Qualification, detail: str) -> None:
    ds = DealState.objects.filter(campaign_id=row.campaign_id, lead_id=row.lead_id).first()
    ActionLog.objects.create(
        campaign_id=row.campaign_id, lead_id=row.lead_id, deal_id=ds.deal_id if ds else None,
        kind=ActionLog.Kind.QUALIFY, outcome=ActionLog.Outcome.OK, detail=detail[:2000],
    )  # fmt: skip


def decide(
    row: Qualification, label: int, who: str, *, only_waiting: bool = False, reason: str | None = None
) -> Outcome:
    """Record `who`'s label (0 or 1) on `row`, move the deal, write the audit trail, in one transaction.
    `only_waiting`: the review page's guard, the row must still await review (label empty) or Taken is
    raised; the admin's form and bulk actions may overrule any label."""
    if label not in (0, 1):
        raise ValueError(f"an operator's label is 0 or 1, not {label!r}")
    with transaction.atomic():
        current = Qualification.objects.select_for_update(of=("self",)).select_related("lead", "campaign")
        current = current.filter(pk=row.pk).first()
        if current is None:
            raise Taken(f"qualification {row.pk} no longer exists")
        if only_waiting and current.label is not None:
            raise Taken(f"already decided: {WORDS[current.label]} (by {current.source})")
        new_reason = current.reason if reason is None else reason
        updated = Qualification.objects.filter(pk=current.pk, label=current.label, source=current.source)
        if only_waiting:
            updated = updated.filter(label__isnull=True)  # someone else got there first: 0 rows
        if not updated.update(label=label, source=Qualification.Source.OPERATOR, reason=new_reason):
            raise Taken(f"qualification {row.pk} changed meanwhile")
        move, note = _move_deal(current, label, who)
        before = Before(current.pk, current.label, current.source, current.reason, move)
        _log(
            current, f"{who} decided: {WORDS[label]} (was {WORDS[current.label]} by {current.source}); {note}"
        )
    current.refresh_from_db()
    return Outcome(current, before, note)


def undo(before: Before, who: str) -> Outcome:
    """Put the row back as `decide` found it and reverse its deal move; Taken (and nothing undone) when
    the row was changed again since, or the deal moved on (a lane contacted the person meanwhile)."""
    with transaction.atomic():
        row = (
            Qualification.objects.select_for_update(of=("self",))
            .select_related("lead", "campaign")
            .filter(pk=before.qualification_id, source=Qualification.Source.OPERATOR, label__isnull=False)
            .first()
        )
        if row is None:
            raise Taken(f"qualification {before.qualification_id} was changed since: nothing undone")
        decided = row.label
        Qualification.objects.filter(pk=row.pk).update(
            label=before.label, source=before.source, reason=before.reason
        )
        try:
            note = _reverse_move(row, before.deal_move, who)
        except transitions.TransitionRefused as exc:  # raised inside the transaction: the row stays too
            raise Taken(f"the deal moved on since ({exc}): nothing undone") from exc
        _log(row, f"{who} undid: {WORDS[decided]} (back to {WORDS[before.label]} by {before.source}); {note}")
    row.refresh_from_db()
    return Outcome(row, before, note)


def _reverse_move(row: Qualification, move: str, who: str) -> str:
    """The opposite of the decision's deal move; TransitionRefused when the deal moved on since (a lane
    contacted the person): then nothing is undone."""
    ds = _deal(row)
    if move == UNTOUCHED or ds is None:
        return "deal untouched"
    if move in (PROMOTED, RELEASED):
        # A deal the decision created cannot be un-created (CRM records stay); it closes as held.
        transitions.hold_for_review(ds, f"held for review again: {who} undid a decision")
        return "deal held for review again"
    if not is_held(ds):
        raise transitions.TransitionRefused(
            f"deal {ds.deal_id} is {ds.state} now, not closed by the decision"
        )
    transitions.release_hold(ds, f"reopened: {who} undid a decision")
    return "deal back to New"


def decide_many(rows: Iterable[Qualification], label: int, who: str) -> list[Outcome]:
    """The admin's bulk actions: every row labelled, all in one transaction (all or nothing)."""
    with transaction.atomic():
        return [
            decide(row, label, who)
            for row in rows
            if row.label != label or row.source != Qualification.Source.OPERATOR
        ]


def waiting(campaign_id: int | None = None) -> QuerySet[Qualification]:
    """Rows that await a person: no label (held, disputed, unparsable, or sent back by an operator)."""
    rows = Qualification.objects.filter(label__isnull=True)
    return rows.filter(campaign_id=campaign_id) if campaign_id is not None else rows
