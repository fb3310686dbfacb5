"""The same LLM calls against the full sandbox server (a separate process, LLM stand-in mounted at /v1),
driven through its control API: verdicts match the truth it reports, injections fail, faults surface."""

from __future__ import annotations

from openoutreach.ml.llm import InMemoryBudget, LLMClient, LLMSettings, NeedsReview
from openoutreach.ml.qualification import CampaignBrief, LeadQualification, qualify_lead
from openoutreach.ml.sandbox_pool import sandbox_pool
from openoutreach.sandbox.testing import sandbox, sandbox_server  # noqa: F401

# The harness's default server: 500 people, seed 7, devops. Same seed -> the same people in-process,
# whose Voyager JSON we parse with the browser layer's parser to get the profile dicts.
POOL = sandbox_pool(size=500, seed=7, scenario="devops")


def client(sandbox) -> LLMClient:  # noqa: F811
    settings = LLMSettings(
        base_url=f"{sandbox.base_url}/v1", api_key="sk-test", model="sandbox", timeout=10, max_retries=0
    )
    return LLMClient(settings, InMemoryBudget(100, 1_000_000), campaign_id=7)


def test_verdicts_match_the_truth_the_sandbox_reports(sandbox):  # noqa: F811
    scenario = POOL.world.scenario.public()
    brief = CampaignBrief(scenario["product"], scenario["objective"])
    people = POOL.people[:10] + [p for p in POOL.people if p.injection][:3]
    for person in people:
        truth = sandbox.control.person(person.public_id)
        verdict = qualify_lead(client(sandbox), brief, POOL.profile(person))
        assert isinstance(verdict, LeadQualification)
        assert verdict.qualified == truth["fit"], (person.public_id, verdict.reason)
    assert sandbox.control.snapshot()["llm"]["by_kind"]["qualify"]["calls"] == len(people)


def test_garbage_from_the_sandbox_needs_review(sandbox):  # noqa: F811
    sandbox.control.set_faults(llm_garbage_rate=1.0)
    scenario = POOL.world.scenario.public()
    result = qualify_lead(
        client(sandbox),
        CampaignBrief(scenario["product"], scenario["objective"]),
        POOL.profile(POOL.people[0]),
    )
    assert isinstance(result, NeedsReview)
