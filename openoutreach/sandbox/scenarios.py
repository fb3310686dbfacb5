"""Campaign scenarios: a product, an objective, a keyword pool and a hidden ideal-customer rule.

Each scenario is a JSON file in `scenarios/`. The rule is what the sandbox treats as ground truth
("does this person fit the campaign?"); the product never sees it, it only sees the product text and
objective, like an operator's campaign would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCENARIO_DIR = Path(__file__).with_name("scenarios")


class ScenarioError(ValueError):
    """A scenario file is missing or malformed."""


@dataclass(frozen=True)
class IdealCustomer:
    """The hidden rule: every listed condition must hold."""

    roles: frozenset[str]
    seniorities: frozenset[str]
    industries: frozenset[str]
    company_size: tuple[int, int]
    countries: frozenset[str]

    def matches(self, role: str, seniority: str, industry: str, company_size: int, country: str) -> bool:
        low, high = self.company_size
        return (
            role in self.roles
            and seniority in self.seniorities
            and industry in self.industries
            and low <= company_size <= high
            and country in self.countries
        )


@dataclass(frozen=True)
class Scenario:
    name: str
    product: str
    objective: str
    keywords: tuple[str, ...]
    ideal: IdealCustomer

    def public(self) -> dict:
        """What the LLM stand-in may know about the campaign (no hidden rule)."""
        return {
            "name": self.name,
            "product": self.product,
            "objective": self.objective,
            "keywords": list(self.keywords),
        }


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


@cache
def load(name: str) -> Scenario:
    """Load `scenarios/<name>.json`; a clear ScenarioError names what is wrong."""
    path = SCENARIO_DIR / f"{name}.json"
    if not path.is_file():
        raise ScenarioError(f"unknown scenario {name!r}; available: {', '.join(available())}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        rule = raw["ideal_customer"]
        low, high = rule["company_size"]
        scenario = Scenario(
            name=raw["name"],
            product=raw["product"],
            objective=raw["objective"],
            keywords=tuple(raw["keywords"]),
            ideal=IdealCustomer(
                roles=frozenset(rule["roles"]),
                seniorities=frozenset(rule["seniorities"]),
                industries=frozenset(rule["industries"]),
                company_size=(int(low), int(high)),
                countries=frozenset(rule["countries"]),
            ),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"scenario file {path} is malformed: {exc!r}") from exc
    if len(scenario.keywords) < 30:
        raise ScenarioError(f"scenario {name!r} needs 30+ keywords, has {len(scenario.keywords)}")
    return scenario


def load_all() -> dict[str, Scenario]:
    return {name: load(name) for name in available()}
