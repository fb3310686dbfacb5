"""Migration 0003 carries what 0002 kept as text into columns, and back: the reason's trailing
"[ml: llm=1 audit=auto_reject]" marker becomes `Qualification.llm_label` / `audit` (and leaves the reason),
an llm ActionLog row's {"tokens": N} becomes `ActionLog.tokens`; rolling back rewrites every reason exactly.

Rows are written with 0002's historical models on a database migrated back to 0002, as the released code
wrote them; the test database is migrated forward again whatever happens.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from openoutreach.ml import crm_labels
from openoutreach.ml.crm_labels import TrainingRow

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("outreach", "0002_operator")]
AFTER = [("outreach", "0003_llm_columns")]

DISPUTED = "needs review: the LLM says the lead fits but the model puts its fit probability at 0.03; LLM reason: Looks senior."  # fmt: skip

# (label, source, reason as 0002 wrote it) -> (llm_label, audit, reason in 0003)
QUALIFICATIONS = [
    ((0, "llm", "Junior. [ml: llm=0 audit=auto_reject]"), (0, "auto_reject", "Junior.")),
    ((None, "llm", f"{DISPUTED} [ml: llm=1 audit=none]"), (1, "", DISPUTED)),
    ((1, "llm", "Platform lead at a SaaS."), (1, "", "Platform lead at a SaaS.")),  # a plain verdict
    (
        (None, "llm", "needs review: QualifyAnswer did not parse"),
        (None, "", "needs review: QualifyAnswer did not parse"),
    ),  # fmt: skip
    ((0, "model", "model: p=0.012, std 0.010 (gate)"), (None, "", "model: p=0.012, std 0.010 (gate)")),
    ((0, "operator", f"{DISPUTED} [ml: llm=1 audit=auto_accept]"), (1, "auto_accept", DISPUTED)),
    ((1, "operator", f"{DISPUTED} [ml: llm=0 audit=none]"), (0, "", DISPUTED)),
    ((1, "operator", "see [ml: notes] from the call"), (None, "", "see [ml: notes] from the call")),
    ((1, "llm", " [ml: llm=1 audit=auto_accept]"), (1, "auto_accept", "")),  # an empty LLM reason
]

# (kind, outcome, detail) -> tokens; detail is kept as it was
ACTIONS = [
    (("llm", "ok", json.dumps({"tokens": 1234, "purpose": "qualify"})), 1234),
    (("llm", "ok", json.dumps({"tokens": 0, "purpose": "followup"})), 0),
    (("llm", "failed", json.dumps({"tokens": 0, "purpose": "qualify", "error": "HTTP 503"})), 0),
    (("llm", "limit", "campaign 'devops': daily LLM budget of 100 tokens used up (150 spent)"), 0),
    (("llm", "ok", '{"tokens": '), 0),  # cut short: not JSON
    (("connect", "ok", json.dumps({"tokens": 5})), 0),  # not an LLM call
]


def migrate(targets) -> object:
    """Migrate to `targets`; the apps (historical models) of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0002(campaign):
    """The campaign and one lead per qualification row, then the database at 0002 (back to the latest
    state afterwards, even when the test fails)."""
    from openoutreach.pipeline.leads import discover

    leads = [
        discover(f"https://www.linkedin.com/in/person-{i}/", f"person-{i}").lead.pk
        for i in range(len(QUALIFICATIONS))
    ]
    try:
        yield migrate(BEFORE), campaign, leads
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_markers_and_token_json_become_columns_and_come_back_on_rollback(at_0002):
    old_apps, campaign, leads = at_0002
    OldQualification = old_apps.get_model("outreach", "Qualification")
    OldActionLog = old_apps.get_model("outreach", "ActionLog")
    written = [
        OldQualification.objects.create(
            campaign_id=campaign.pk, lead_id=lead_id, label=label, source=source, reason=reason
        ).pk
        for lead_id, ((label, source, reason), _) in zip(leads, QUALIFICATIONS, strict=True)
    ]
    actions = [
        OldActionLog.objects.create(campaign_id=campaign.pk, kind=kind, outcome=outcome, detail=detail).pk
        for (kind, outcome, detail), _ in ACTIONS
    ]

    new_apps = migrate(AFTER)
    Qualification = new_apps.get_model("outreach", "Qualification")
    ActionLog = new_apps.get_model("outreach", "ActionLog")
    for pk, ((label, source, _), expected) in zip(written, QUALIFICATIONS, strict=True):
        row = Qualification.objects.get(pk=pk)
        assert (row.llm_label, row.audit, row.reason) == expected
        assert (row.label, row.source) == (label, source)  # untouched
    for pk, ((_, _, detail), tokens) in zip(actions, ACTIONS, strict=True):
        row = ActionLog.objects.get(pk=pk)
        assert (row.tokens, row.detail) == (tokens, detail)

    # The runtime code reads the migrated rows as 0002's code read the markers: the disputed lead trains
    # with the LLM's answer, the garbage answer and the model's own decision do not train.
    assert crm_labels.training_rows(campaign.pk) == [
        TrainingRow(leads[0], 0, "auto_reject"),
        TrainingRow(leads[1], 1, None),
        TrainingRow(leads[2], 1, None),
        TrainingRow(leads[5], 0, "auto_accept"),
        TrainingRow(leads[6], 1, None),
        TrainingRow(leads[7], 1, None),
        TrainingRow(leads[8], 1, "auto_accept"),
    ]

    old_apps = migrate(BEFORE)
    OldQualification = old_apps.get_model("outreach", "Qualification")
    reasons = dict(OldQualification.objects.filter(pk__in=written).values_list("pk", "reason"))
    assert [reasons[pk] for pk in written] == [reason for (_, _, reason), _ in QUALIFICATIONS]


def test_a_row_written_by_the_new_code_rolls_back_to_the_marker_0002_would_read(at_0002):
    """A disputed verdict recorded with the columns gets its marker on the way back, so 0002's code
    still trains on the LLM's answer and keeps its audit record."""
    from crm.models import Lead

    from openoutreach.ml.qualifier import Decision

    _, campaign, leads = at_0002
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the new code writes to
    lead = Lead.objects.get(pk=leads[0])
    decision = Decision(lead.pk, "ask_llm", p=0.03, std=0.01, entropy=0.1, audit="auto_reject")
    crm_labels.record_llm(campaign, lead, decision, True, "Looks senior.", disputed=True)
    plain = Lead.objects.get(pk=leads[1])
    crm_labels.record_llm(
        campaign, plain, Decision(plain.pk, "ask_llm", p=0.5), False, "Intern.", disputed=False
    )

    old_apps = migrate(BEFORE)
    reasons = dict(old_apps.get_model("outreach", "Qualification").objects.values_list("lead_id", "reason"))
    assert reasons[lead.pk] == f"{DISPUTED} [ml: llm=1 audit=auto_reject]"
    assert reasons[plain.pk] == "Intern."  # what 0002's record_llm wrote for a plain verdict
