"""The ML service on the CRM, in-process: real Django DB, real DuckDB, real embeddings, and the LLM
stand-in of a real sandbox server over HTTP. Enriched leads come from the sandbox's Voyager JSON through
the browser layer's parser and the pipeline's own discover/save_enrichment."""

from __future__ import annotations

import json

import numpy as np
import pytest

from openoutreach.ml import crm_labels
from openoutreach.ml.context import MLContext
from openoutreach.ml.drafting import draft_for_deal, generate_campaign_keywords
from openoutreach.ml.qualification import profile_block
from openoutreach.ml.qualifier import Decision
from openoutreach.ml.service import (
    campaign_model,
    embed_leads,
    qualify_campaign,
    rescore_campaign,
    vectors_of,
)
from openoutreach.outreach.models import ActionLog, DealState, Qualification, SearchKeyword
from openoutreach.pipeline import stages


def llm_calls(sandbox) -> int:
    return sandbox.control.snapshot()["llm"]["by_kind"]["qualify"]["calls"]


@pytest.fixture
def ctx(sandbox_ml_context, sandbox) -> MLContext:
    return sandbox_ml_context(sandbox)


def test_the_qualification_prompt_quotes_the_profile_with_its_url(profiles):
    person = profiles[0]
    block = profile_block(person.parsed.to_dict())
    assert f"/in/{person.public_id}/" in block
    assert json.loads(block)["profile"].startswith(person.parsed.headline)


def test_cold_start_asks_the_llm_oldest_first_and_promotes_the_fits(sandbox, profiles, enrich, campaign, ctx):
    people = profiles[:12]
    leads = enrich(people)
    report = qualify_campaign(campaign.pk, batch=5, ctx=ctx)

    assert (report.mode, report.llm_calls, report.pending, report.embedded) == ("cold", 5, 12, 12)
    rows = list(Qualification.objects.filter(campaign=campaign).order_by("at", "id"))
    oldest = sorted(leads)[:5]
    assert [row.lead_id for row in rows] == oldest  # oldest-first while the model is cold
    for row in rows:
        truth = leads[row.lead_id].fit
        assert (row.label, row.llm_label, row.source) == (int(truth), int(truth), "llm") and row.reason
        assert row.audit == "" and "[ml:" not in row.reason  # a cold model has nothing to audit
        has_deal = DealState.objects.filter(campaign=campaign, lead_id=row.lead_id, state=stages.NEW).exists()
        assert has_deal == truth  # label 1 promotes; label 0 only disqualifies
    assert llm_calls(sandbox) == 5
    spent = ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="ok")
    assert spent.count() == 5 and all(a.tokens > 0 for a in spent)
    assert all(json.loads(a.detail) == {"purpose": "qualify"} for a in spent)
    assert ActionLog.objects.filter(campaign=campaign, kind="qualify").count() == 1

    again = qualify_campaign(campaign.pk, batch=100, ctx=ctx)
    assert again.llm_calls == 7 and again.embedded == 0  # the rest; nobody is asked twice
    assert Qualification.objects.filter(campaign=campaign).count() == 12


def test_a_spent_budget_pauses_llm_use_with_one_clear_record(sandbox, profiles, enrich, campaign, ctx):
    campaign.llm_daily_calls = 3
    campaign.save()
    enrich(profiles[:10])

    first = qualify_campaign(campaign.pk, batch=10, ctx=ctx)
    second = qualify_campaign(campaign.pk, batch=10, ctx=ctx)

    assert first.llm_calls == 3 and "3 calls used up" in first.paused
    assert second.llm_calls == 0 and "paused until" in second.paused
    assert llm_calls(sandbox) == 3  # the paused run never reached the endpoint
    assert Qualification.objects.filter(campaign=campaign).count() == 3
    pauses = ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="limit")
    assert pauses.count() == 1 and "daily LLM budget" in pauses.get().detail


def test_a_token_budget_pauses_too(sandbox, profiles, enrich, campaign, ctx):
    campaign.llm_daily_tokens = 100  # one qualification call spends more
    campaign.save()
    enrich(profiles[:4])
    report = qualify_campaign(campaign.pk, batch=4, ctx=ctx)
    assert report.llm_calls == 1 and "tokens used up" in report.paused


def test_garbage_llm_output_marks_the_lead_for_review_and_never_guesses(
    sandbox, profiles, enrich, campaign, ctx
):
    leads = enrich(profiles[:3])
    sandbox.control.set_faults(llm_garbage_rate=1.0)

    report = qualify_campaign(campaign.pk, batch=2, ctx=ctx)

    assert (report.llm_calls, report.needs_review, report.qualified, report.disqualified) == (2, 2, 0, 0)
    review = Qualification.objects.filter(campaign=campaign)
    assert review.count() == 2 and all(
        r.label is None and r.llm_label is None and r.reason.startswith("needs review") for r in review
    )
    assert not DealState.objects.filter(campaign=campaign).exists()
    assert crm_labels.training_rows(campaign.pk) == []  # nothing trains on a guess
    assert llm_calls(sandbox) == 4  # one retry each
    sandbox.control.clear_faults()
    later = qualify_campaign(campaign.pk, batch=5, ctx=ctx)
    assert later.llm_calls == 1  # the two under review are not asked again; the third lead is
    assert set(leads) == set(
        Qualification.objects.filter(campaign=campaign).values_list("lead_id", flat=True)
    )


def test_an_unreachable_llm_decides_nothing(sandbox, profiles, enrich, campaign, ctx):
    enrich(profiles[:3])
    sandbox.control.set_faults(llm_error_rate=1.0)
    report = qualify_campaign(campaign.pk, batch=3, ctx=ctx)
    assert "HTTP 5" in report.error and report.llm_calls == 0
    assert not Qualification.objects.filter(campaign=campaign).exists()
    assert ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="failed").count() == 1


def test_a_disputed_answer_is_held_for_review_but_still_trains(profiles, enrich, campaign):
    lead_id = next(iter(enrich(profiles[:1])))
    from crm.models import Lead

    decision = Decision(lead_id, "ask_llm", p=0.03, std=0.01, entropy=0.1, audit="auto_reject")
    crm_labels.record_llm(
        campaign, Lead.objects.get(pk=lead_id), decision, True, "Looks senior.", disputed=True
    )

    row = Qualification.objects.get(campaign=campaign, lead_id=lead_id)
    assert row.label is None and row.reason.startswith("needs review: the LLM says the lead fits")
    assert (row.llm_label, row.audit) == (1, "auto_reject")
    assert row.reason.endswith("LLM reason: Looks senior.")  # text for people only, no marker
    assert not DealState.objects.filter(campaign=campaign).exists()  # not promoted while disputed
    assert crm_labels.training_rows(campaign.pk) == [crm_labels.TrainingRow(lead_id, 1, "auto_reject")]


def test_labels_warm_start_the_model_and_scores_rank_the_new_deals(sandbox, profiles, enrich, campaign, ctx):
    leads = enrich(profiles[:60])
    report = qualify_campaign(campaign.pk, batch=60, ctx=ctx)
    assert report.llm_calls == 60 and report.rescored > 0

    scores = dict(
        DealState.objects.filter(campaign=campaign, state=stages.NEW).values_list("lead_id", "score")
    )
    assert scores and all(s is not None for s in scores.values())
    assert set(scores) == {lead_id for lead_id, p in leads.items() if p.fit}
    # The model is kept in memory between runs, and a restarted worker (a fresh cache over the same
    # files) gets it back from its file without refitting.
    with ctx.store() as store:
        model, how = campaign_model(campaign, store, ctx)
        assert how == "memory" and len(model.labels) == 60
        restarted = MLContext(ctx.embeddings_db, ctx.models_dir, ctx.embedder, ctx.llm)
        fresh, how = campaign_model(campaign, store, restarted)
        assert how == "reused" and fresh.refits == model.refits and len(fresh.labels) == 60
        probe = np.stack(list(vectors_of(store, ctx.embedder, list(leads)).values()))
        np.testing.assert_allclose(fresh.predict(probe).p, model.predict(probe).p)
    DealState.objects.filter(campaign=campaign).update(score=None)
    assert rescore_campaign(campaign.pk, ctx) == len(scores)
    assert all(
        s is not None for s in DealState.objects.filter(campaign=campaign).values_list("score", flat=True)
    )
    # score = P(fit) x P(accept); nobody was invited yet, so P(accept) is the prior's mean for everyone
    # (Beta(2, 3): 0.4) and P(fit) alone orders the deals
    for ds in DealState.objects.filter(campaign=campaign, state=stages.NEW):
        assert ds.p_accept == pytest.approx(0.4) and ds.score == pytest.approx(ds.p_fit * 0.4)


def test_embed_reports_what_it_could_not_embed(profiles, enrich, campaign, ctx):
    from openoutreach.pipeline.leads import discover

    leads = enrich(profiles[:3])
    bare = discover("https://www.linkedin.com/in/not-enriched-yet/", "not-enriched-yet").lead
    report = embed_leads([*leads, bare.pk], ctx)
    assert (report.embedded, report.up_to_date, report.not_enriched) == (3, 0, [bare.pk])
    assert embed_leads(list(leads), ctx).up_to_date == 3


def test_keywords_are_saved_new_and_never_repeat_existing_ones(sandbox, campaign, ctx):
    SearchKeyword.objects.create(campaign=campaign, keyword="DevOps Lead", used=True)
    first = generate_campaign_keywords(campaign.pk, ctx, count=8)
    second = generate_campaign_keywords(campaign.pk, ctx, count=8)
    assert len(first.created) == 8 and len(second.created) == 8
    everything = list(SearchKeyword.objects.filter(campaign=campaign).values_list("keyword", flat=True))
    assert len(everything) == 17 and len({k.lower() for k in everything}) == 17
    assert not SearchKeyword.objects.filter(campaign=campaign, keyword__in=first.created, used=True).exists()


def test_a_followup_draft_for_a_deal_ends_with_the_booking_link(sandbox, profiles, enrich, campaign, ctx):
    from crm.models import Lead

    from openoutreach.pipeline.transitions import promote

    lead_id, person = next(iter(enrich(profiles[:1]).items()))
    state = promote(Lead.objects.get(pk=lead_id), campaign)
    draft = draft_for_deal(state.pk, ctx)
    text, link = draft.text.rsplit("\n\n", 1)
    assert link == campaign.booking_link and person.parsed.first_name in text and len(text) <= 400
    assert ActionLog.objects.filter(campaign=campaign, kind="llm", lead_id=lead_id).count() == 1


def test_without_an_llm_key_qualification_pauses_and_says_why(profiles, enrich, campaign, ctx):
    enrich(profiles[:2])
    ctx.llm = None
    report = qualify_campaign(campaign.pk, batch=2, ctx=ctx)
    assert "no LLM is configured" in report.paused
    assert ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="limit").count() == 1


def _llm_fit(campaign, lead_id, disputed=False):
    from crm.models import Lead

    decision = Decision(lead_id, "ask_llm", p=0.2 if disputed else 0.6, std=0.05, entropy=0.5)
    crm_labels.record_llm(
        campaign, Lead.objects.get(pk=lead_id), decision, True, "Runs the SRE team.", disputed
    )


def test_the_second_look_holds_a_doubted_fit_and_releases_it_when_no_longer_doubted(
    profiles, enrich, campaign
):
    held_id, asked_id = sorted(enrich(profiles[:2]))
    _llm_fit(campaign, held_id)  # promoted: a Deal at New
    _llm_fit(campaign, asked_id, disputed=True)  # held when asked: no deal

    look = crm_labels.second_look(
        campaign, {held_id: ("held", 0.04), asked_id: ("qualified", 0.5)}, labels=200
    )
    assert (look.held, look.released) == (1, 1)
    row = Qualification.objects.get(campaign=campaign, lead_id=held_id)
    assert row.label is None and row.llm_label == 1
    assert row.reason.startswith("needs review: the LLM says the lead fits but the model trained on the 199")
    assert row.reason.endswith("LLM reason: Runs the SRE team.")
    ds = DealState.objects.get(campaign=campaign, lead_id=held_id)
    assert ds.state == stages.FAILED and ds.deal.closing_reason.name == stages.HELD_FOR_REVIEW
    assert not ds.deal.active
    assert ActionLog.objects.filter(
        kind=ActionLog.Kind.QUALIFY, deal=ds.deal, detail__startswith="held"
    ).exists()
    released = Qualification.objects.get(campaign=campaign, lead_id=asked_id)  # its LLM answer stands now
    assert (released.label, released.reason) == (1, "Runs the SRE team.")
    assert DealState.objects.get(campaign=campaign, lead_id=asked_id).state == stages.NEW
    assert crm_labels.training_rows(campaign.pk) == [
        crm_labels.TrainingRow(held_id, 1, None),
        crm_labels.TrainingRow(asked_id, 1, None),
    ]  # the LLM's answer still trains, held or not

    look = crm_labels.second_look(  # a later model thinks better
        campaign, {held_id: ("qualified", 0.3), asked_id: ("qualified", 0.5)}, labels=300
    )
    assert (look.held, look.released) == (0, 1)
    row.refresh_from_db()
    assert (row.label, row.reason) == (1, "Runs the SRE team.")
    ds.refresh_from_db()
    assert ds.state == stages.NEW and ds.deal.closing_reason is None and ds.deal.active


def test_the_second_look_never_touches_a_contacted_lead_an_unjudged_one_or_a_humans_label(
    profiles, enrich, campaign, alice
):
    from crm.models import Lead

    from openoutreach.pipeline.transitions import mark_pending

    contacted, unjudged, human = sorted(enrich(profiles[:3]))
    _llm_fit(campaign, contacted)
    mark_pending(DealState.objects.get(campaign=campaign, lead_id=contacted), alice, first_check_hours=1)
    _llm_fit(campaign, unjudged, disputed=True)  # e.g. no vector: the model never judged it
    crm_labels._create(
        campaign, Lead.objects.get(pk=human), 1, Qualification.Source.OPERATOR, "I know her.", None
    )

    verdicts = {contacted: ("held", 0.02), human: ("held", 0.02), unjudged: ("qualified", None)}
    look = crm_labels.second_look(campaign, verdicts, labels=200)
    assert (look.held, look.released, look.kept) == (0, 0, 1)
    assert Qualification.objects.get(campaign=campaign, lead_id=contacted).label == 1
    assert DealState.objects.get(campaign=campaign, lead_id=contacted).state == stages.PENDING
    assert Qualification.objects.get(campaign=campaign, lead_id=unjudged).label is None  # still held
    assert Qualification.objects.get(campaign=campaign, lead_id=human).label == 1
