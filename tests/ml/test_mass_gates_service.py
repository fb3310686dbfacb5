"""The mass gates in the qualify lane (QualifierConfig.reject_mass): the budget of expected fits a
campaign's model may reject unseen is spent across runs, not per run. The model is rebuilt from the CRM at
each run, so the leads it rejected before are read back from their rows and re-scored (crm_labels.
decided_alone, Qualifier.remember_decided). Real DB, real embeddings, the sandbox's LLM stand-in over HTTP."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from openoutreach.ml import crm_labels
from openoutreach.ml.context import MLContext
from openoutreach.ml.qualifier import Candidate, QualifierConfig
from openoutreach.ml.service import campaign_model, embed_leads, pending_leads, qualify_campaign, vectors_of
from openoutreach.outreach.models import ActionLog, Qualification

# reject_t 1: the budget alone bounds the rejections (what this test is about)
MASS = QualifierConfig(keep_posterior=0.7, reject_mass=0.03, reject_t=1.0, min_positives=5, min_negatives=20,
                       min_audits=3, audit_rate=0.0, max_disagreement=0.5, pca_dims=(16,))  # fmt: skip


@pytest.fixture
def ctx(sandbox_ml_context, sandbox) -> MLContext:
    """Without revisits: each run decides only about the newcomers, within what earlier runs left."""
    return sandbox_ml_context(sandbox, replace(MASS, revisit_rejections=False))


def would_reject(campaign, ctx: MLContext, remember: bool) -> int:
    """How many pending leads the campaign's model (rebuilt from the CRM) would reject alone now."""
    with ctx.store() as store:
        pending = [lead.pk for lead in pending_leads(campaign)]
        vectors = vectors_of(store, ctx.embedder, pending)
        model, _ = campaign_model(campaign, store, ctx)
        rejected, accepted = crm_labels.decided_alone(campaign.pk) if remember else ([], [])
        model.remember_decided(list(vectors_of(store, ctx.embedder, rejected).values()),
                               list(vectors_of(store, ctx.embedder, accepted).values()))  # fmt: skip
        model.remember_answers(crm_labels.llm_answers(campaign.pk))  # as the lane does (calibration)
        decisions = model.decide([Candidate(i, vectors[i]) for i in pending if i in vectors])
        return sum(d.action == "auto_reject" for d in decisions)


def test_the_rejection_budget_spent_in_earlier_runs_counts_in_later_ones(profiles, enrich, campaign, ctx):
    enrich(profiles[:160])
    rejected = 0
    for _ in range(8):  # qualify runs until the model has rejected some leads on its own
        rejected = qualify_campaign(campaign.pk, batch=30, ctx=ctx).auto_rejected
        if rejected:
            break
    assert rejected, "the model should have earned its rejections on this pool (else this shows nothing)"
    assert crm_labels.decided_alone(campaign.pk) == (
        list(Qualification.objects.filter(campaign=campaign, source="model", label=0).values_list("lead_id", flat=True)),
        [],
    )  # fmt: skip
    arrived = enrich(profiles[160:240])  # more people arrive: a fresh budget would reject some of them too
    embed_leads(list(arrived), ctx)

    forgetful = would_reject(campaign, ctx, remember=False)
    remembering = would_reject(campaign, ctx, remember=True)
    assert remembering < forgetful, (remembering, forgetful)  # the spent budget is not granted again
    next_run = qualify_campaign(campaign.pk, batch=0, ctx=ctx)
    assert next_run.auto_rejected == remembering  # the lane's model remembered them too


@pytest.mark.parametrize(
    "options",
    [dict(calibrate_mass=1.0), dict(reject_mass=0.0, recall_target=0.9, calibrate_mass=0.0)],
    ids=["calibrated", "recall-target"],
)
def test_the_lane_hands_the_model_every_answer_the_crm_keeps(
    profiles, enrich, campaign, sandbox_ml_context, sandbox, options
):
    """The mass gates' calibration (QualifierConfig.calibrate_mass: the fits the answers show among the
    labelled leads the model rates low, Qualifier.mass_scale) and the recall target (the fits expected
    among the answered leads, Qualifier.expected_lost), both tested on their own in test_policy_properties,
    weigh every answer the CRM keeps, further opinions included: the lane hands them to the model before it
    decides."""
    ctx = sandbox_ml_context(sandbox, replace(MASS, **options))
    enrich(profiles[:80])
    qualify_campaign(campaign.pk, batch=40, ctx=ctx)
    first = Qualification.objects.filter(campaign=campaign, source="llm", llm_label=1).first()
    crm_labels.record_further(campaign, first.lead_id, "qualify_criteria", False, "not in the ideal customer")
    kept = crm_labels.llm_answers(campaign.pk)
    assert len(kept) == 40 and kept[first.lead_id][:2] == (1, 0)

    qualify_campaign(campaign.pk, batch=0, ctx=ctx)

    with ctx.store() as store:
        model, how = campaign_model(campaign, store, ctx)
    assert how == "memory" and model.answers == kept  # what it decided on (before this run's second look)


def test_the_lane_takes_back_the_rejections_the_current_model_doubts(
    profiles, enrich, campaign, sandbox_ml_context, sandbox
):
    """QualifierConfig.revisit_rejections (the default): at each run, the leads the model rejected alone
    before and would no longer reject (t now above `reject_t`, Qualifier.doubted_rejections) lose their row
    (the model's own decision, never a label), are pending again and are asked like any other lead; the
    others stay rejected. Here the later runs' model is the same with a lower `reject_t`, so exactly the
    rejected leads above it are doubted; without revisits they stay rejected."""
    generous = sandbox_ml_context(sandbox, MASS)
    enrich(profiles[:160])
    for _ in range(8):  # qualify runs until the model has rejected some leads on its own
        if qualify_campaign(campaign.pk, batch=30, ctx=generous).auto_rejected:
            break
    before, _ = crm_labels.decided_alone(campaign.pk)
    assert len(before) >= 10, (
        "the model should have earned its rejections on this pool (else this shows nothing)"
    )
    with generous.store() as store:
        model, _ = campaign_model(campaign, store, generous)
        t = model._fit_mass(np.stack(list(vectors_of(store, generous.embedder, before).values())),
                            min(model.noise_rate(), MASS.noise_prior))[0]  # fmt: skip
    doubt = float(np.median(t))

    without = sandbox_ml_context(sandbox, replace(MASS, reject_t=doubt, revisit_rejections=False))
    assert qualify_campaign(campaign.pk, batch=0, ctx=without).taken_back == 0
    assert crm_labels.decided_alone(campaign.pk)[0] == before
    with without.store() as store:  # the lane's model of that run (the same labels and pool as the next)
        model, how = campaign_model(campaign, store, without)
        rejected = vectors_of(store, without.embedder, before)
    assert how == "memory"
    doubted = model.doubted_rejections(np.stack(list(rejected.values())))
    expected = {lead for lead, flag in zip(rejected, doubted, strict=True) if flag}
    assert 0 < len(expected) < len(before), (len(expected), len(before))

    doubting = sandbox_ml_context(sandbox, replace(MASS, reject_t=doubt))
    report = qualify_campaign(campaign.pk, batch=0, ctx=doubting)
    back = set(before) - set(crm_labels.decided_alone(campaign.pk)[0])
    assert back == expected and report.taken_back == len(back), (report, len(back), len(expected))
    assert back <= {lead.pk for lead in pending_leads(campaign)}  # no row: pending again
    detail = ActionLog.objects.filter(campaign=campaign, kind="qualify").order_by("-id").first().detail
    assert f"{len(back)} earlier automatic rejections taken back" in detail

    qualify_campaign(campaign.pk, batch=len(pending_leads(campaign)), ctx=doubting)
    llm = set(Qualification.objects.filter(campaign=campaign, source="llm").values_list("lead_id", flat=True))
    assert back <= llm  # asked like any other lead (above reject_t, none can be rejected alone again)
