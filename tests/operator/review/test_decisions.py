"""An operator's decision: the label trains the model, the deal is released or closed, the audit trail
names who decided, and undo puts the CRM back."""

from __future__ import annotations

import pytest
from crm.models import Deal

from openoutreach.ml.crm_labels import second_look, training_rows
from openoutreach.operator import decisions
from openoutreach.outreach.models import ActionLog, DealState, Qualification
from openoutreach.pipeline import stages, transitions


def deal_of(row: Qualification) -> tuple[str, str | None]:
    ds = DealState.objects.get(campaign_id=row.campaign_id, lead_id=row.lead_id)
    deal = Deal.objects.select_related("closing_reason", "stage").get(pk=ds.deal_id)
    return ds.state, deal.closing_reason.name if deal.closing_reason else None


def test_fits_on_a_held_lead_releases_its_deal_and_trains_the_model(queue):
    row = queue["rows"]["held-unsure"]
    assert deal_of(row) == (stages.FAILED, stages.HELD_FOR_REVIEW)

    outcome = decisions.decide(row, 1, "alice", only_waiting=True)

    row.refresh_from_db()
    assert (row.label, row.source, row.llm_label) == (1, "operator", 1)
    assert deal_of(row) == (stages.NEW, None)
    assert outcome.note == "deal released to New"
    assert (row.lead_id, 1) in {(t.lead_id, t.label) for t in training_rows(row.campaign_id)}
    log = ActionLog.objects.filter(lead_id=row.lead_id, kind="qualify").order_by("-id").first()
    assert log.detail.startswith("alice decided: fits (was needs review by llm)")


def test_does_not_fit_keeps_a_held_deal_closed_and_trains_the_model_with_a_zero(queue):
    row = queue["rows"]["held-sure"]
    decisions.decide(row, 0, "alice", only_waiting=True)
    row.refresh_from_db()
    assert (row.label, row.source) == (0, "operator")
    assert deal_of(row) == (stages.FAILED, stages.HELD_FOR_REVIEW)
    assert (row.lead_id, 0) in {(t.lead_id, t.label) for t in training_rows(row.campaign_id)}


def test_fits_on_a_disputed_lead_without_a_deal_promotes_it(queue):
    row = queue["rows"]["disputed"]
    assert not DealState.objects.filter(lead_id=row.lead_id).exists()
    decisions.decide(row, 1, "alice", only_waiting=True)
    assert deal_of(row) == (stages.NEW, None)


def test_does_not_fit_closes_an_uncontacted_new_deal_but_never_a_contacted_one(queue, alice):
    decided = Qualification.objects.get(lead__last_name="Decided")
    transitions.promote(decided.lead, decided.campaign)
    decisions.decide(decided, 0, "boss")
    assert deal_of(decided) == (stages.FAILED, stages.HELD_FOR_REVIEW)

    row = queue["rows"]["disputed"]
    ds = transitions.mark_pending(transitions.promote(row.lead, row.campaign), alice, 24)
    outcome = decisions.decide(row, 0, "boss", only_waiting=True)
    assert outcome.note == "deal stays Pending: the person was already contacted"
    ds.refresh_from_db()
    assert ds.state == stages.PENDING
    row.refresh_from_db()
    assert (row.label, row.source) == (0, "operator")  # the label stands; the invitation is already out


def test_the_second_operator_on_the_same_lead_finds_it_taken(queue):
    row = queue["rows"]["garbage-new"]
    stale = Qualification.objects.get(pk=row.pk)  # what bob's page shows
    decisions.decide(row, 1, "alice", only_waiting=True)
    with pytest.raises(decisions.Taken, match="already decided: fits"):
        decisions.decide(stale, 0, "bob", only_waiting=True)
    row.refresh_from_db()
    assert row.label == 1
    assert ActionLog.objects.filter(lead_id=row.lead_id, detail__startswith="bob").count() == 0


def test_undo_puts_the_row_and_the_deal_back(queue):
    row = queue["rows"]["held-unsure"]
    original = (row.label, row.source, row.reason)
    outcome = decisions.decide(row, 1, "alice", only_waiting=True)
    assert deal_of(row) == (stages.NEW, None)

    decisions.undo(outcome.before, "alice")
    row.refresh_from_db()
    assert (row.label, row.source, row.reason) == original
    assert deal_of(row) == (stages.FAILED, stages.HELD_FOR_REVIEW)
    with pytest.raises(decisions.Taken):  # nothing left to undo
        decisions.undo(outcome.before, "alice")


def test_undo_after_the_person_was_contacted_undoes_nothing(queue, alice):
    row = queue["rows"]["held-unsure"]
    outcome = decisions.decide(row, 1, "alice", only_waiting=True)
    ds = transitions.mark_pending(DealState.objects.get(lead_id=row.lead_id), alice, 24)
    with pytest.raises(decisions.Taken, match="moved on"):
        decisions.undo(outcome.before, "alice")
    row.refresh_from_db()
    ds.refresh_from_db()
    assert (row.label, row.source, ds.state) == (1, "operator", stages.PENDING)


def test_undo_of_a_closed_deal_reopens_it(queue):
    decided = Qualification.objects.get(lead__last_name="Decided")
    transitions.promote(decided.lead, decided.campaign)
    outcome = decisions.decide(decided, 0, "boss")
    decisions.undo(outcome.before, "boss")
    decided.refresh_from_db()
    assert (decided.label, decided.source) == (1, "llm")
    assert deal_of(decided) == (stages.NEW, None)


def test_the_second_look_never_touches_an_operator_label(queue):
    row = queue["rows"]["held-unsure"]
    decisions.decide(row, 1, "alice", only_waiting=True)
    look = second_look(row.campaign, {row.lead_id: ("held", 0.01)}, labels=12)
    assert look.held == 0
    row.refresh_from_db()
    assert (row.label, row.source) == (1, "operator")
    assert deal_of(row) == (stages.NEW, None)


def test_bulk_labels_many_leads_in_one_transaction_or_none(queue):
    rows = list(decisions.waiting(queue["rows"]["disputed"].campaign_id).order_by("id"))
    assert len(rows) == 5
    gone = Qualification.objects.get(pk=rows[2].pk)
    gone.delete()  # deleted by someone else after the list was shown: the whole action stops, nothing half-done
    with pytest.raises(decisions.Taken):
        decisions.decide_many(rows, 1, "boss")
    assert decisions.waiting(rows[0].campaign_id).count() == 4
    assert not ActionLog.objects.filter(detail__startswith="boss").exists()

    gone.pk = None
    gone.save()
    rows = list(decisions.waiting(rows[0].campaign_id))
    outcomes = decisions.decide_many(rows, 1, "boss")
    assert len(outcomes) == 5 and decisions.waiting(rows[0].campaign_id).count() == 0
    states = DealState.objects.filter(lead_id__in=[r.lead_id for r in rows]).values_list("state", flat=True)
    assert sorted(states) == [stages.NEW] * 5
    assert ActionLog.objects.filter(detail__startswith="boss decided: fits").count() == 5


def test_a_label_other_than_zero_or_one_is_refused(queue):
    with pytest.raises(ValueError, match="0 or 1"):
        decisions.decide(queue["rows"]["disputed"], 2, "alice")
