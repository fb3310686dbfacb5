"""The ML worker's units of work on the CRM: embed leads, qualify a campaign's leads, rescore its New deals.

Each takes ids and an `MLContext`, reads the CRM, calls the plain ML modules (embeddings, qualifier, LLM)
and writes the outcome; the Celery tasks in workers/ml.py only load, call and return. `qualify_campaign`
must run under the campaign's lock (workers/ml.py takes it), so two runs never label the same leads.

Qualify, step by step:
1. pending leads: enriched, available, without a label or a deal in this campaign, oldest first;
2. vectors for them (at most `embed_limit` new ones per run) and for every labelled lead;
3. the model of the campaign's training labels (LLM and operator labels, in order) from the cache;
4. the model's earned automatic decisions are written (never used as training labels); under the mass
   gates, the leads it rejected alone before and now doubts (`Qualifier.doubted_rejections`) are taken
   back first (their rows go) and join the pending leads;
5. the LLM is asked about up to `batch` leads in the order the model chose (oldest first at cold start);
   each answer becomes a label (1 promotes the lead), a lead held for review when the model disputes it,
   or a lead needing review when the answer did not parse; each answer trains the model at once;
6. the second look at every answer of the LLM (second_look.py): the "fits" the current model doubts are
   held for review while nobody has contacted the person, held ones it no longer doubts are released; in
   posterior mode with `further_opinions`, further opinions are asked where the posterior is ambiguous
   first, and a "does not fit" they and the model overrule is promoted;
7. the model file is written after a refit, and the New deals' ranking scores are rewritten: P(fit) x
   P(accept) (`write_scores`; the acceptance model is acceptance.py, refitted as outcomes arrive).
A spent budget or a missing LLM configuration pauses the LLM (a clear ActionLog row) but not step 4.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from crm.models import Lead
from django.db import transaction

from openoutreach.ml import acceptance_outcomes, crm_labels
from openoutreach.ml.acceptance import AcceptanceModel, Outcomes, feature_matrix, profile_features
from openoutreach.ml.budget_db import record_pause
from openoutreach.ml.context import MLContext
from openoutreach.ml.embeddings import Embedder
from openoutreach.ml.llm import BudgetExhausted, LLMUnavailable, MalformedAnswer, NeedsReview
from openoutreach.ml.profile_text import profile_text
from openoutreach.ml.qualification import CampaignBrief, qualify_lead
from openoutreach.ml.qualifier import Candidate, Decision, Label, Qualifier
from openoutreach.ml.second_look import take_second_look
from openoutreach.ml.store import EmbeddingStore, text_hash
from openoutreach.outreach.models import ActionLog, Campaign, DealState
from openoutreach.pipeline import stages
from openoutreach.pipeline.leads import parsed_profile

log = logging.getLogger(__name__)
EMBED_CHUNK = 256  # texts per embedder call (it batches 8-16 inside); bounds memory on a big backlog


# -- embeddings -------------------------------------------------------------------------------------------


def enriched_profiles(lead_ids: Iterable[int]) -> dict[int, dict]:
    """Parsed profiles of the enriched leads among `lead_ids` (others have nothing to embed yet)."""
    leads = Lead.objects.filter(pk__in=list(lead_ids), linkedin__enriched_at__isnull=False).only(
        "pk", "description"
    )
    profiles = {}
    for lead in leads:
        profile = parsed_profile(lead)
        if profile is not None:
            profiles[lead.pk] = profile
    return profiles


def embed_profiles(
    store: EmbeddingStore,
    embedder: Embedder,
    profiles: Mapping[int, Mapping[str, Any]],
    limit: int | None = None,
) -> int:
    """Embed the profiles whose vector is missing, from another model, or from an older text (at most
    `limit` of them, lowest lead ids first). Returns how many were embedded."""
    texts = {lead_id: profile_text(profile) for lead_id, profile in profiles.items()}
    hashes = {lead_id: text_hash(text) for lead_id, text in texts.items()}
    todo = store.needing_embedding(hashes, embedder.model_id)
    todo = todo if limit is None else todo[:limit]
    for start in range(0, len(todo), EMBED_CHUNK):
        chunk = todo[start : start + EMBED_CHUNK]
        vectors = embedder.embed([texts[i] for i in chunk])
        store.upsert(chunk, vectors, embedder.model_id, [hashes[i] for i in chunk])
    return len(todo)


@dataclass
class EmbedReport:
    embedded: int = 0
    up_to_date: int = 0
    not_enriched: list[int] = field(default_factory=list)


def embed_leads(lead_ids: list[int], ctx: MLContext) -> EmbedReport:
    """Vectors for these leads (the ML worker is the only writer of the store)."""
    profiles = enriched_profiles(lead_ids)
    with ctx.store() as store:
        embedded = embed_profiles(store, ctx.embedder, profiles)
    return EmbedReport(
        embedded=embedded,
        up_to_date=len(profiles) - embedded,
        not_enriched=sorted(set(lead_ids) - set(profiles)),
    )


def vectors_of(store: EmbeddingStore, embedder: Embedder, lead_ids: list[int]) -> dict[int, np.ndarray]:
    ids, matrix = store.get_many(lead_ids, embedder.model_id)
    return dict(zip(ids, matrix, strict=True))


# -- the model ----------------------------------------------------------------------------------------------


def campaign_model(
    campaign: Campaign, store: EmbeddingStore, ctx: MLContext, pool: np.ndarray | None = None
) -> tuple[Qualifier, str]:
    """The campaign's qualifier built from its training labels (labelled leads lacking a vector, e.g. after
    a model change, are embedded first: the model needs every label). `pool`: vectors of the leads
    awaiting qualification, which the PCA of a (re)build is fitted on too (Qualifier.observe)."""
    rows = crm_labels.training_rows(campaign.pk)
    lead_ids = [row.lead_id for row in rows]
    vectors = vectors_of(store, ctx.embedder, lead_ids)
    missing = [lead_id for lead_id in lead_ids if lead_id not in vectors]
    if missing:
        embed_profiles(store, ctx.embedder, enriched_profiles(missing))
        vectors = vectors_of(store, ctx.embedder, lead_ids)
    skipped = [lead_id for lead_id in lead_ids if lead_id not in vectors]
    if skipped:
        log.warning("campaign %s: %d labelled leads have no profile to embed; left out of the model: %s",
                    campaign.pk, len(skipped), skipped[:20])  # fmt: skip
    labels = [
        Label(row.lead_id, vectors[row.lead_id], row.label, row.audit)
        for row in rows
        if row.lead_id in vectors
    ]
    return ctx.models.get(campaign.pk, labels, pool)


def acceptance_model(campaign: Campaign, store: EmbeddingStore, ctx: MLContext) -> AcceptanceModel:
    """The campaign's acceptance model from its decided invitations (refitted only when due, see
    acceptance_cache.py); invitations still open are left out (censored)."""
    rows = acceptance_outcomes.invitations(campaign.pk, window_days=ctx.acceptance.window_days)
    decided = [row for row in rows if row.accepted is not None]

    def training() -> Outcomes:
        vectors = vectors_of(store, ctx.embedder, [row.lead_id for row in decided])
        kept = [row for row in decided if row.lead_id in vectors]
        dim = next(iter(vectors.values())).shape[0] if vectors else 0
        return Outcomes(
            features=feature_matrix([row.features() for row in kept]),
            vectors=np.stack([vectors[row.lead_id] for row in kept]) if kept else np.zeros((0, dim)),
            accepted=np.array([row.accepted for row in kept], dtype=int),
        )

    model, _how = ctx.acceptance_models.get(
        campaign.pk, [(row.invitation_id, row.accepted) for row in decided], training
    )
    return model


def write_ranking(values: Mapping[int, tuple[float, float, float]]) -> int:
    """For each DealState id: (P(fit), P(accept), the ranking's acceptance factor), written as p_fit,
    p_accept and score = P(fit) x factor (the connect lane contacts the highest score first)."""
    updates = [
        DealState(pk=pk, p_fit=float(p_fit), p_accept=float(p_accept), score=float(p_fit) * float(factor))
        for pk, (p_fit, p_accept, factor) in values.items()
    ]
    with transaction.atomic():
        DealState.objects.bulk_update(updates, ["p_fit", "p_accept", "score"], batch_size=500)
    return len(updates)


def write_scores(
    campaign: Campaign,
    model: Qualifier,
    store: EmbeddingStore,
    ctx: MLContext,
    rng: np.random.Generator | None = None,
) -> int:
    """Rank every New deal of the campaign by P(fit) x P(accept): the qualifier's fit probability times
    the acceptance model's (with its exploration draw, AcceptanceModel.ranking_values). Nothing is
    written at the qualifier's cold start. Returns the number of deals scored."""
    if model.cold:
        return 0
    deals = dict(DealState.objects.filter(campaign=campaign, state=stages.NEW).values_list("lead_id", "pk"))
    vectors = vectors_of(store, ctx.embedder, list(deals))
    missing = [lead_id for lead_id in deals if lead_id not in vectors]
    if missing:
        embed_profiles(store, ctx.embedder, enriched_profiles(missing))
        vectors = vectors_of(store, ctx.embedder, list(deals))
    if not vectors:
        return 0
    lead_ids = list(vectors)
    matrix = np.stack([vectors[i] for i in lead_ids])
    p_fit = model.predict(matrix).p
    accept = acceptance_model(campaign, store, ctx)
    profiles = enriched_profiles(lead_ids)
    features = feature_matrix([profile_features(profiles.get(i, {})) for i in lead_ids])
    p_accept = accept.predict(features, matrix)
    factor = accept.ranking_values(p_accept, rng or np.random.default_rng())
    return write_ranking(
        {deals[i]: (f, a, x) for i, f, a, x in zip(lead_ids, p_fit, p_accept, factor, strict=True)}
    )


def rescore_campaign(campaign_id: int, ctx: MLContext) -> int:
    """Rewrite the ranking scores of the campaign's New deals from its current models."""
    campaign = Campaign.objects.get(pk=campaign_id)
    with ctx.store() as store:
        pending = vectors_of(store, ctx.embedder, [lead.pk for lead in pending_leads(campaign)])
        pool = np.stack(list(pending.values())) if pending else None
        model, _how = campaign_model(campaign, store, ctx, pool)
        return write_scores(campaign, model, store, ctx)


def rescore_active(ctx: MLContext) -> dict[int, int]:
    """Rescore every active campaign (beat, each ACCEPT_RESCORE_SECONDS): new outcomes reach the
    ranking even when no qualify run refits the qualifier."""
    return {
        c: rescore_campaign(c, ctx) for c in Campaign.objects.filter(active=True).values_list("pk", flat=True)
    }


# -- qualify -----------------------------------------------------------------------------------------------


@dataclass
class QualifyReport:
    campaign_id: int
    pending: int = 0  # enriched leads without a label in this campaign, before this run
    embedded: int = 0
    labels: int = 0  # training labels the model was built from
    model: str = ""  # how the model was obtained (memory, extended, reused, built)
    mode: str = "cold"
    auto_accepted: int = 0
    auto_rejected: int = 0
    taken_back: int = 0  # earlier automatic rejections the current model doubts (revisit): asked again
    llm_calls: int = 0  # leads the LLM was asked about (a retry after garbage is inside one)
    qualified: int = 0
    disqualified: int = 0
    disputed: int = 0  # held for human review: the model contradicts the LLM's answer
    needs_review: int = 0  # the LLM's answer did not parse
    held: int = 0  # second look: earlier "fits" answers the model now doubts, held for review
    released: int = 0  # second look: held "fits" answers the model no longer doubts, promoted again
    overruled: int = 0  # second look (posterior mode): LLM "does not fit" answers it qualified, promoted
    further_opinions: int = 0  # second look (posterior mode): further opinions asked of the LLM
    rescored: int = 0
    paused: str = ""  # why the LLM was not asked (budget spent, not configured)
    error: str = ""  # the LLM endpoint failed; nothing was decided for that lead

    def as_dict(self) -> dict:
        return asdict(self)


def pending_leads(campaign: Campaign) -> list[Lead]:
    """Enriched, available leads with neither a label nor a deal in this campaign, oldest enriched first."""
    return list(
        Lead.objects.filter(linkedin__enriched_at__isnull=False, linkedin__unavailable_reason="")
        .exclude(qualifications__campaign=campaign)
        .exclude(deal_states__campaign=campaign)
        .order_by("linkedin__enriched_at", "pk")
    )


def reopenable(campaign: Campaign, lead_ids: list[int]) -> set[int]:
    """Which of these leads, rejected alone by the model, may be taken back (revisit): still available,
    and nobody made a deal of them since."""
    return set(
        Lead.objects.filter(pk__in=lead_ids, linkedin__unavailable_reason="")
        .exclude(deal_states__campaign=campaign)
        .values_list("pk", flat=True)
    )


def qualify_campaign(
    campaign_id: int,
    batch: int,
    ctx: MLContext,
    keep_alive: Callable[[], None] = lambda: None,
    task_id: str = "",
) -> QualifyReport:
    """One qualify run for a campaign (see the module docstring). `keep_alive` is called before each LLM
    question (the task extends its lock there)."""
    if batch < 0:
        raise ValueError(f"batch must be >= 0, got {batch}")
    campaign = Campaign.objects.select_related("department").get(pk=campaign_id)
    report = QualifyReport(campaign.pk)
    leads = {lead.pk: lead for lead in pending_leads(campaign)}
    profiles = {lead_id: p for lead_id, lead in leads.items() if (p := parsed_profile(lead)) is not None}
    report.pending = len(profiles)
    with ctx.store() as store:
        report.embedded = embed_profiles(store, ctx.embedder, profiles, limit=ctx.embed_limit)
        vectors = vectors_of(store, ctx.embedder, list(profiles))
        pool = np.stack(list(vectors.values())) if vectors else None
        model, report.model = campaign_model(campaign, store, ctx, pool)
        if model.mass_gates:  # the budget its earlier automatic decisions spent
            rejected, accepted = crm_labels.decided_alone(campaign.pk)
            spent = vectors_of(store, ctx.embedder, rejected)
            if model.revisits() and spent:  # rejections the current model doubts: taken back, asked
                back = _take_back(campaign, model, spent)
                report.taken_back = len(back)
                _add_pending(back, leads, profiles, vectors)
                spent = {lead: vector for lead, vector in spent.items() if lead not in back}
            model.remember_decided(
                list(spent.values()), list(vectors_of(store, ctx.embedder, accepted).values())
            )
            if model.config.recall_target > 0 or model.config.calibrate_mass > 0:  # every answer kept
                model.remember_answers(crm_labels.llm_answers(campaign.pk))
        refits = model.refits
        report.labels, report.mode = len(model.labels), model.mode
        decisions = model.decide(
            [Candidate(lead_id, vectors[lead_id]) for lead_id in profiles if lead_id in vectors]
        )
        autos = [d for d in decisions if d.action != "ask_llm"]
        crm_labels.record_auto(campaign, leads, autos)
        report.auto_accepted = sum(d.action == "auto_accept" for d in autos)
        report.auto_rejected = len(autos) - report.auto_accepted
        questions = [d for d in decisions if d.action == "ask_llm"][:batch]
        if questions:
            _ask_llm(campaign, questions, leads, profiles, vectors, model, ctx, report, keep_alive, task_id)
        if model.earned:
            ask = not (report.paused or report.error)  # the LLM failed this run: no further opinions
            look, asked = take_second_look(campaign, model, ctx, keep_alive, task_id, ask)
            report.held, report.released, report.overruled = look.held, look.released, look.overruled
            report.further_opinions = asked.opinions
            report.paused, report.error = report.paused or asked.paused, report.error or asked.error
        ctx.models.persist(campaign.pk, model)
        # New deals of this run came in with P(fit) alone (transitions.promote): rank them like the rest
        promoted = report.qualified or report.released or report.overruled
        if model.refits != refits or report.model == "built" or promoted:
            report.rescored = write_scores(campaign, model, store, ctx)
    ActionLog.objects.create(
        campaign=campaign, kind=ActionLog.Kind.QUALIFY, outcome=ActionLog.Outcome.OK, task_id=task_id,
        detail=summary(report),
    )  # fmt: skip
    return report


def _take_back(
    campaign: Campaign, model: Qualifier, spent: Mapping[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """The leads rejected alone earlier that the current model doubts (Qualifier.doubted_rejections) and
    that may be taken back (`reopenable`): their rows go (crm_labels.take_back). Returns their vectors."""
    ids = list(spent)
    doubted = model.doubted_rejections(np.stack([spent[lead] for lead in ids]))
    doubted_ids = [ids[k] for k in np.flatnonzero(doubted)]
    if not doubted_ids:
        return {}
    open_ = reopenable(campaign, doubted_ids)
    back = [lead for lead in doubted_ids if lead in open_]
    crm_labels.take_back(campaign, back)
    return {lead: spent[lead] for lead in back}


def _add_pending(
    back: Mapping[int, np.ndarray],
    leads: dict[int, Lead],
    profiles: dict[int, Mapping[str, Any]],
    vectors: dict[int, np.ndarray],
) -> None:
    """Leads taken back join this run's pending leads (a lead whose profile is gone waits)."""
    for lead in Lead.objects.filter(pk__in=list(back)):
        profile = parsed_profile(lead)
        if profile is not None:
            leads[lead.pk], profiles[lead.pk], vectors[lead.pk] = lead, profile, back[lead.pk]


def summary(report: QualifyReport) -> str:
    text = (
        f"{report.mode}, {report.labels} labels: {report.llm_calls} asked the LLM ({report.qualified} fit, "
        f"{report.disqualified} not, {report.disputed} disputed, {report.needs_review} unparsable), "
        f"{report.auto_rejected} auto-rejected, {report.auto_accepted} auto-accepted, {report.pending} were pending"
    )
    if report.taken_back:
        text += f"; {report.taken_back} earlier automatic rejections taken back (asked like the others)"
    if report.held or report.released or report.overruled or report.further_opinions:
        text += f"; second look: {report.held} held for review, {report.released} released"
        if report.overruled or report.further_opinions:
            text += f', {report.overruled} "does not fit" overruled, {report.further_opinions} further opinions asked'
    if report.paused:
        text += f"; LLM paused: {report.paused}"
    if report.error:
        text += f"; LLM error: {report.error}"
    return text


def _ask_llm(
    campaign: Campaign,
    questions: list[Decision],
    leads: Mapping[int, Lead],
    profiles: Mapping[int, Mapping[str, Any]],
    vectors: Mapping[int, np.ndarray],
    model: Qualifier,
    ctx: MLContext,
    report: QualifyReport,
    keep_alive: Callable[[], None],
    task_id: str,
) -> None:
    brief = CampaignBrief(product=campaign.product_docs, objective=campaign.campaign_objective)
    try:
        client, budget = ctx.client(campaign, "qualify")
        budget.check()
    except BudgetExhausted as exc:
        report.paused = str(exc)
        record_pause(campaign, str(exc), task_id)
        return
    for decision in questions:
        keep_alive()
        budget.lead_id = decision.lead_id
        lead = leads[decision.lead_id]
        try:
            verdict = qualify_lead(client, brief, profiles[decision.lead_id])
        except BudgetExhausted as exc:
            report.paused = str(exc)
            record_pause(campaign, str(exc), task_id)
            return
        except MalformedAnswer as exc:
            # The call was spent on an answer that is not one: this lead goes to review (the next run
            # does not pay again for the same lead), and the run stops (a broken gateway costs one call
            # per run, not one per question).
            budget.mark_failed(str(exc))
            crm_labels.record_needs_review(campaign, lead, decision, str(exc))
            report.needs_review += 1
            report.error = str(exc)
            log.warning("campaign %s: %s; qualification stops for this run", campaign.pk, exc)
            return
        except LLMUnavailable as exc:
            budget.mark_failed(str(exc))
            report.error = str(exc)
            log.warning("campaign %s: %s; qualification stops for this run", campaign.pk, exc)
            return
        report.llm_calls += 1
        if isinstance(verdict, NeedsReview):
            crm_labels.record_needs_review(campaign, lead, decision, verdict.reason)
            report.needs_review += 1
            continue
        label = int(verdict.qualified)
        disputed = model.disputed(decision, label)
        if (
            crm_labels.record_llm(campaign, lead, decision, verdict.qualified, verdict.reason, disputed)
            is None
        ):
            continue  # labelled meanwhile by someone else: the next run reads their label from the CRM
        model.add_label(Label(decision.lead_id, vectors[decision.lead_id], label, decision.audit))
        if disputed:
            report.disputed += 1
        elif label:
            report.qualified += 1
        else:
            report.disqualified += 1
