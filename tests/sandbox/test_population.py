"""The generated population and the scenarios: deterministic by seed, realistic, with sane fit rates."""

from __future__ import annotations

import json
import re

import pytest

from openoutreach.sandbox import scenarios
from openoutreach.sandbox.population import Population


def test_same_seed_same_people_and_different_seed_different_people():
    a, b, c = (
        Population.generate(300, seed=11),
        Population.generate(300, seed=11),
        Population.generate(300, seed=12),
    )
    assert [(p.public_id, p.headline, p.accept_prob) for p in a.people] == [
        (p.public_id, p.headline, p.accept_prob) for p in b.people
    ]
    assert a.details(a.people[5]) == b.details(b.people[5])
    assert [p.public_id for p in a.people] != [p.public_id for p in c.people]


def test_server_population_matches_an_in_process_one(sandbox):
    """Determinism across processes: the subprocess server's people are the ones seed 7 generates here."""
    local = Population.generate(500, seed=7)
    served = sandbox.control.people(limit=500)
    assert [p["public_id"] for p in served] == [p.public_id for p in local.people[:500]]
    assert [p["headline"] for p in served[:50]] == [p.headline for p in local.people[:50]]


@pytest.mark.parametrize("name", ["devops", "healthcare_staffing"])
def test_fit_rate_is_in_the_intended_range(name):
    pop = Population.generate(2000, seed=3)
    scenario = scenarios.load(name)
    rate = sum(pop.fits(p, scenario) for p in pop.people) / pop.size
    assert 0.06 <= rate <= 0.17, rate


def test_people_look_like_members():
    pop = Population.generate(500, seed=7)
    ids = [p.public_id for p in pop.people]
    assert len(set(ids)) == len(ids)
    assert any(not pid.isascii() for pid in ids), "some vanity ids are non-ASCII (percent-encoded in links)"
    assert sum(p.namesake_of is not None for p in pop.people) >= 10
    assert any(p.injection for p in pop.people)
    for p in pop.people[:50]:
        d = pop.details(p)
        assert d.positions[0].end is None and d.positions[0].title == p.title
        assert all(pos.start[0] <= (pos.end or (9999, None))[0] for pos in d.positions)
        assert d.educations and d.summary and d.skills and "English" in d.languages
        assert len(p.country) == 2 and p.country.islower()
    # injected profiles never fit a scenario: an LLM that obeys the injection is caught out
    for p in pop.people:
        if p.injection:
            assert not any(pop.fits(p, s) for s in scenarios.load_all().values())


def test_search_is_relevant_and_stable():
    pop = Population.generate(500, seed=7)
    hits = pop.search("nurse manager")
    assert hits and hits == pop.search("Nurse  Manager")
    assert "nurse manager" in pop.people[hits[0]].title.lower()
    assert pop.search("zzzz qqqq") == []
    assert pop.search("") == []


def test_scenario_files_are_complete_and_malformed_ones_are_named(tmp_path, monkeypatch):
    for name in scenarios.available():
        s = scenarios.load(name)
        assert s.product and s.objective and len(s.keywords) >= 30
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"name": "broken", "product": "x"}))
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", tmp_path)
    with pytest.raises(scenarios.ScenarioError, match="broken.json is malformed"):
        scenarios.load.__wrapped__("broken")
    with pytest.raises(scenarios.ScenarioError, match="unknown scenario"):
        scenarios.load.__wrapped__("nope")


def test_markup_share_decides_the_generation_and_nothing_else():
    default = Population.generate(400, seed=7)
    older = Population.generate(400, seed=7, markup_share="older=1")
    assert {p.markup for p in older.people} == {"older"}
    assert [
        (p.public_id, p.headline, p.accept_prob, p.reply_prob, p.modal_variant, p.private)
        for p in default.people
    ] == [
        (p.public_id, p.headline, p.accept_prob, p.reply_prob, p.modal_variant, p.private)
        for p in older.people
    ]
    scenario = scenarios.load("devops")
    assert [default.fits(p, scenario) for p in default.people] == [
        older.fits(p, scenario) for p in older.people
    ]
    counts = {g: sum(p.markup == g for p in default.people) / 400 for g in ("2026", "2022", "older")}
    assert 0.5 < counts["2026"] < 0.7 and 0.2 < counts["2022"] < 0.4 and 0.04 < counts["older"] < 0.16
    mixed = Population.generate(400, seed=7, markup_share="2026=1,2022=1")  # weights are normalised
    assert {p.markup for p in mixed.people} == {"2026", "2022"}


@pytest.mark.parametrize(
    "text,error",
    [
        ("2019=1", "unknown generation '2019'"),
        ("2026=lots", "'lots' is not a number"),
        ("2026=-1", "must be a finite number >= 0"),
        ("2026", "expected GENERATION=WEIGHT"),
        ("2026=0,older=0", "at least one generation"),
    ],
)
def test_a_bad_markup_share_is_refused_with_a_clear_error(text, error):
    from openoutreach.sandbox.population import parse_markup_share

    with pytest.raises(ValueError, match=re.escape(error)):
        parse_markup_share(text)
    assert parse_markup_share("legacy=1")["2022"] == 1.0


def test_the_serve_command_names_a_bad_markup_share(capsys):
    from openoutreach.sandbox.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--markup-share", "2026=0.5,nope=0.5"])
    assert exit_.value.code == 2
    assert "--markup-share: markup share: unknown generation 'nope'" in capsys.readouterr().err
