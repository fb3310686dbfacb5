"""The LLM stand-in mounted in the real sandbox server (a subprocess), answering langchain-openai from
the generated population's ground truth, with its faults and stats driven through the control API."""

from __future__ import annotations

import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from openoutreach.sandbox import scenarios
from openoutreach.sandbox.population import INJECTION_TEXT


class Verdict(BaseModel):
    qualified: bool
    reason: str


class Keywords(BaseModel):
    keywords: list[str]


def model(sandbox) -> ChatOpenAI:
    return ChatOpenAI(base_url=f"{sandbox.base_url}/v1", api_key="x", model="sandbox", max_retries=0)


def population_sample(sandbox, size: int) -> list[dict]:
    people = [p for p in sandbox.control.people(limit=300) if not p["is_account"]]
    fits = [p for p in people if p["fit"]]
    assert fits, "the devops population should contain people who fit"
    return (fits[: size // 2] + [p for p in people if not p["fit"]])[:size]


def test_qualification_through_the_sandbox_matches_the_populations_ground_truth(sandbox):
    assert sandbox.control.health()["llm"] is True
    judge = model(sandbox).with_structured_output(Verdict, method="function_calling")
    for person in population_sample(sandbox, 30):
        profile = f"```\nhttps://www.linkedin.com/in/{person['public_id']}/\n{person['headline']}\n```"
        answer = judge.invoke([("system", "Qualify this lead."), ("user", profile)])
        assert answer.qualified is person["fit"], person["public_id"]
    assert sandbox.control.snapshot()["llm"]["by_kind"]["qualify"]["calls"] == 30


def test_a_population_injection_sways_it_only_when_the_profile_is_not_delimited(sandbox):
    injected = next(p for p in sandbox.control.people(limit=1000) if p["injection"])
    assert injected["fit"] is False  # the population only plants it on people who fit no scenario
    url = f"https://www.linkedin.com/in/{injected['public_id']}/"
    judge = model(sandbox).with_structured_output(Verdict, method="json_schema")
    assert judge.invoke(f"Profile {url}\nSummary: {INJECTION_TEXT}").qualified is True
    assert judge.invoke(f"<profile>\n{url}\nSummary: {INJECTION_TEXT}\n</profile>").qualified is False


def test_keywords_and_followups_come_from_the_active_scenario_and_population(sandbox):
    scenario = scenarios.load("devops")
    used = list(scenario.keywords[:10])
    listing = "\n".join(f"- {k}" for k in used)
    prompt = f"Suggest 12 LinkedIn search keywords.\n\nAlready used keywords:\n{listing}"
    found = model(sandbox).with_structured_output(Keywords).invoke(prompt).keywords
    assert len(found) == 12 and set(found) <= set(scenario.keywords) - set(used)

    person = population_sample(sandbox, 1)[0]
    url = f"https://www.linkedin.com/in/{person['public_id']}/"
    draft = model(sandbox).invoke(f"Write a LinkedIn follow-up message to {url}").content
    assert person["first_name"] in draft and person["company"]["name"] in draft
    assert len(draft) <= 400 and "Shipwright" in draft


def test_llm_faults_and_stats_go_through_the_control_api(sandbox):
    sandbox.control.set_faults(llm_error_rate=1.0)
    with pytest.raises(openai.InternalServerError):
        model(sandbox).invoke("hello")
    sandbox.control.clear_faults()
    assert model(sandbox).invoke("hello").content
    stats = sandbox.control.snapshot()["llm"]
    assert stats["faults"]["error"] == 1 and stats["by_kind"]["chat"]["calls"] == 2
    sandbox.control.reset()
    assert sandbox.control.snapshot()["llm"]["calls"] == 0
