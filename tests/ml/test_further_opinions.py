"""Further opinions, end to end: the stand-in's further prompts are each wrong about their own people, and
a qualify run in posterior mode asks them only where the posterior is ambiguous, stores them on the rows,
pays for them like first calls, and applies the verdicts (a doubted "fits" held, a "no" overruled into a
deal). A sandbox whose LLM stand-in is wrong about 15% of people, over real HTTP; a real DB."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from openoutreach.ml import crm_labels
from openoutreach.ml.llm import InMemoryBudget, LLMClient, LLMSettings
from openoutreach.ml.qualification import (
    FURTHER_PROMPTS,
    CampaignBrief,
    LeadQualification,
    further_opinion,
    qualify_lead,
)
from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.sandbox_pool import scenario_truth
from openoutreach.ml.service import campaign_model, qualify_campaign
from openoutreach.outreach.models import ActionLog, DealState, Qualification
from openoutreach.pipeline import stages
from openoutreach.sandbox.llm_answers import unit
from openoutreach.sandbox.testing import SandboxProcess

NOISE = 0.15
LEADS = 200
# Earned after a few labels, so one run of LEADS questions ends with a model that takes the second look;
# no further opinions unless a test allows them.
POSTERIOR = QualifierConfig(
    min_positives=5,
    min_negatives=20,
    keep_posterior=0.7,
    second_opinion_p=0.01,
    recheck_no_p=0.05,
    further_opinions=0,
)


@pytest.fixture(scope="module")
def noisy_server() -> Iterator[SandboxProcess]:
    """The session's sandbox world (500 people, seed 7, devops) with an LLM stand-in wrong about 15%."""
    with SandboxProcess(people=500, seed=7, scenario="devops", llm_noise=NOISE) as server:
        yield server


@pytest.fixture
def noisy(noisy_server) -> SandboxProcess:
    noisy_server.control.reset()
    return noisy_server


def qualify_calls(server) -> int:
    return server.control.snapshot()["llm"]["by_kind"]["qualify"]["calls"]


def rows(campaign) -> dict[int, Qualification]:
    return {row.lead_id: row for row in Qualification.objects.filter(campaign=campaign)}


def deal_state(campaign, lead_id) -> str | None:
    ds = (
        DealState.objects.select_related("deal__closing_reason")
        .filter(campaign=campaign, lead_id=lead_id)
        .first()
    )
    if ds is None:
        return None
    reason = ds.deal.closing_reason
    return f"{ds.state} ({reason.name})" if reason else ds.state


def assert_applied(campaign, verdicts, after: dict[int, Qualification]) -> None:
    """Every LLM-labelled lead is where its verdict puts it: qualified (a "no" only when further opinions
    overruled it) = label 1 and a deal at New; held = no label, the deal held (or none yet); rejected =
    label 0 (or waiting for a person after a dispute), no deal."""
    for lead, (verdict, _) in verdicts.items():
        row, deal = after[lead], deal_state(campaign, lead)
        if verdict == "qualified" and (row.llm_label == 1 or row.further):
            assert (row.label, deal) == (1, stages.NEW), (lead, row.reason)
        elif verdict == "held":
            assert row.label is None and deal in (None, f"{stages.FAILED} ({stages.HELD_FOR_REVIEW})"), lead
        elif verdict == "rejected":
            assert row.label in (0, None) and deal is None, (lead, row.reason)
        else:
            assert verdict == "qualified" and row.label in (0, None) and deal is None, (lead, verdict)


# -- the stand-in ----------------------------------------------------------------------------------------


def test_each_further_prompt_is_consistently_wrong_about_its_own_people(noisy_server):
    """Each prompt answers the truth, flipped for about NOISE of the people; the same person always gets
    the same answer from a prompt; the prompts' mistakes fall on (mostly) different people."""
    from openoutreach.ml.sandbox_pool import sandbox_pool

    pool = sandbox_pool(size=500, seed=7, scenario="devops")
    people = pool.people[:240]
    settings = LLMSettings(
        base_url=f"{noisy_server.base_url}/v1", api_key="sk-test", model="sandbox", timeout=10, max_retries=0
    )
    client = LLMClient(settings, InMemoryBudget(10_000, 100_000_000), campaign_id=1)
    scenario = pool.world.scenario.public()
    brief = CampaignBrief(product=scenario["product"], objective=scenario["objective"])
    asks = {
        "qualify": lambda profile: qualify_lead(client, brief, profile),
        **{name: (lambda profile, k=k: further_opinion(client, brief, profile, k))
           for k, name in enumerate(FURTHER_PROMPTS, start=1)},
    }  # fmt: skip
    wrong: dict[str, set[str]] = {}
    for name, ask in asks.items():
        wrong[name] = set()
        for person in people:
            verdict = ask(pool.profile(person))
            assert isinstance(verdict, LeadQualification), (name, verdict)
            if verdict.qualified != pool.fits(person):
                wrong[name].add(person.public_id)
        # deterministic per (seed, prompt, person): asked again, the same answers
        for person in people[:10]:
            assert ask(pool.profile(person)).qualified == (
                pool.fits(person) != (person.public_id in wrong[name])
            )
    for name, mistakes in wrong.items():
        assert 0.06 * len(people) <= len(mistakes) <= 0.26 * len(people), (name, len(mistakes))
    criteria = wrong["qualify_criteria"]
    # Independent draws: about NOISE^2 of the people are wrong in both (~5 of 240), never most of either set
    assert set(wrong) == {"qualify", *FURTHER_PROMPTS} and len(wrong) == 4
    for a, b in itertools.combinations(wrong.values(), 2):
        assert len(a & b) <= 0.5 * min(len(a), len(b)), (len(a), len(b), len(a & b))
    # The benchmarks' pools draw with the same rule: who each prompt is wrong about is known offline too
    truth, said = scenario_truth(240, "devops", NOISE, seed=7, kind="qualify-criteria", population=500)
    assert {p.public_id for p, t, s in zip(people, truth, said, strict=True) if t != s} == criteria


# -- the qualify lane ------------------------------------------------------------------------------------


def test_in_posterior_mode_a_run_asks_further_opinions_where_ambiguous_and_applies_the_verdicts(
    noisy, profiles, enrich, campaign, sandbox_ml_context
):
    leads = enrich(profiles[:LEADS])
    # noisy_llm 0: the 15%-wrong stand-in counts as noisy from the first second look (three prompts, rechecks)
    ctx = sandbox_ml_context(noisy, replace(POSTERIOR, further_opinions=2, noisy_llm=0.0))

    report = qualify_campaign(campaign.pk, batch=LEADS, ctx=ctx)

    with ctx.store() as store:
        model, how = campaign_model(campaign, store, ctx)
    assert how == "memory" and model.earned and report.llm_calls == LEADS
    after = rows(campaign)
    # Asked only where the first answer left the posterior ambiguous, and nowhere else
    first = {lead: (row.llm_label,) for lead, row in after.items() if row.llm_label is not None}
    # A noisy LLM: up to three further prompts per lead, the third one too, and "no" answers rechecked
    assert model.opinion_limit() == model.max_further_opinions == len(FURTHER_PROMPTS)
    ambiguous = {lead for lead, (verdict, _) in model.second_look(first, 3).items() if verdict == "ask"}
    asked = {lead for lead, row in after.items() if row.further}
    assert asked == ambiguous and 0 < len(asked) < LEADS / 2
    assert max(len(after[lead].further) for lead in asked) == 3
    # Stored as they came: the k-th further prompt's answer, its own (deterministic) mistakes
    for lead in asked:
        person = leads[lead]
        for k, opinion in enumerate(after[lead].further, start=1):
            wrong = unit(7, FURTHER_PROMPTS[k - 1].replace("_", "-"), person.public_id) < NOISE
            assert opinion["prompt"] == FURTHER_PROMPTS[k - 1] and opinion["reason"]
            assert opinion["answer"] == int(person.fit != wrong)
    # Paid for like first calls: one budgeted call each, an ActionLog row with its lead and tokens
    spent = [
        (a, json.loads(a.detail)["purpose"]) for a in ActionLog.objects.filter(campaign=campaign, kind="llm")
    ]
    further = [a for a, purpose in spent if purpose == "further_opinion"]
    assert len(further) == report.further_opinions == sum(len(after[lead].further) for lead in asked)
    assert {a.lead_id for a in further} == asked and all(a.tokens > 0 and a.outcome == "ok" for a in further)
    assert qualify_calls(noisy) == report.llm_calls + report.further_opinions
    run = ActionLog.objects.get(campaign=campaign, kind="qualify", lead__isnull=True)
    assert f"{report.further_opinions} further opinions asked" in run.detail
    # The verdicts on every answer are applied: nothing is left to ask
    answers = crm_labels.llm_answers(campaign.pk)
    verdicts = model.second_look(answers, 3)
    assert "ask" not in {verdict for verdict, _ in verdicts.values()}
    assert_applied(campaign, verdicts, after)
    # A "fits" the further opinions did not confirm is held; a "no" they overruled is a deal at New
    held = [lead for lead in asked if after[lead].llm_label == 1 and after[lead].label is None]
    overruled = [lead for lead in asked if after[lead].llm_label == 0 and after[lead].label == 1]
    assert held and overruled and report.overruled == len(overruled)
    for lead in overruled:
        assert after[lead].reason.startswith("qualified by the second look: further opinions (fits")
        assert after[lead].reason.endswith("fall outside the campaign's ideal customer.")  # the LLM's own
    # Only the LLM's first answer trains the model
    trained = {row.lead_id: row.label for row in crm_labels.training_rows(campaign.pk)}
    assert trained == {lead: row.llm_label for lead, row in after.items()}


@pytest.mark.parametrize(
    "config", [replace(POSTERIOR, further_opinions=0), replace(POSTERIOR, keep_posterior=0.0, further_opinions=2)],
    ids=["posterior-no-further", "not-posterior"],
)  # fmt: skip
def test_without_further_opinions_the_second_look_holds_the_doubted_fits_as_before(
    noisy, profiles, enrich, campaign, sandbox_ml_context, config
):
    enrich(profiles[:LEADS])
    ctx = sandbox_ml_context(noisy, config)

    report = qualify_campaign(campaign.pk, batch=LEADS, ctx=ctx)

    with ctx.store() as store:
        model, _ = campaign_model(campaign, store, ctx)
    after = rows(campaign)
    positives = {lead for lead, row in after.items() if row.llm_label == 1}
    held = {lead for lead, row in after.items() if row.llm_label == 1 and row.label is None}
    assert held and held == set(model.doubted(positives))
    assert (report.further_opinions, report.overruled) == (0, 0) and report.held == len(held)
    assert not any(row.further for row in after.values())
    assert all(row.label in (0, None) for row in after.values() if row.llm_label == 0)  # no "no" overruled
    assert qualify_calls(noisy) == report.llm_calls == LEADS
    assert "further" not in ActionLog.objects.get(campaign=campaign, kind="qualify", lead__isnull=True).detail


def test_a_failing_further_opinion_stops_the_asking_and_every_lead_keeps_its_verdict(
    noisy, profiles, enrich, campaign, sandbox_ml_context
):
    enrich(profiles[:LEADS])
    qualify_campaign(campaign.pk, batch=LEADS, ctx=sandbox_ml_context(noisy, POSTERIOR))
    trained = crm_labels.training_rows(campaign.pk)
    asking = sandbox_ml_context(noisy, replace(POSTERIOR, further_opinions=2))

    states = []
    for fault, error, calls in (("llm_error_rate", "HTTP 5", 1), ("llm_garbage_rate", "did not parse", 2)):
        noisy.control.reset()
        noisy.control.set_faults(**{fault: 1.0})
        report = qualify_campaign(campaign.pk, batch=LEADS, ctx=asking)
        assert error in report.error and qualify_calls(noisy) == calls  # one call (a retry inside it)
        assert report.further_opinions == calls - 1  # the garbage answer was asked, and not stored
        after = rows(campaign)
        assert not any(row.further for row in after.values())
        with asking.store() as store:
            model, _ = campaign_model(campaign, store, asking)
        # every lead has the verdict on the answers it has (no "ask" left pending), applied
        assert_applied(campaign, model.second_look(crm_labels.llm_answers(campaign.pk), 0), after)
        assert crm_labels.training_rows(campaign.pk) == trained
        states.append(
            {lead: (row.label, row.reason, deal_state(campaign, lead)) for lead, row in after.items()}
        )
    assert states[0] == states[1]
    failed = ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="failed")
    assert [json.loads(a.detail)["purpose"] for a in failed] == ["further_opinion"]

    noisy.control.reset()  # the LLM is back: the next run asks them
    report = qualify_campaign(campaign.pk, batch=LEADS, ctx=asking)
    assert report.further_opinions > 0 and not report.error
    stored = sum(len(row.further) for row in Qualification.objects.filter(campaign=campaign))
    assert stored == report.further_opinions == qualify_calls(noisy)
