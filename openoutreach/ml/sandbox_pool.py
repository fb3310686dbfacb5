"""Parsed profiles and hidden truth from the sandbox population, for the ML tests and benchmarks.

Goes through the same path as production: the sandbox renders the Voyager JSON LinkedIn would serve,
and the browser layer's parser turns it into the profile dict. Only for tests/benchmarks (imports the
sandbox, which production never does).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openoutreach.linkedin.voyager.parser import parse_profile
from openoutreach.ml.embeddings import Embedder
from openoutreach.ml.profile_text import profile_text
from openoutreach.sandbox.llm_answers import unit
from openoutreach.sandbox.population import Person, Population
from openoutreach.sandbox.scenarios import load
from openoutreach.sandbox.voyager import profile_json
from openoutreach.sandbox.world import World


@dataclass
class SandboxPool:
    world: World
    people: list[Person]  # the generated members (account people excluded)

    def profile(self, person: Person) -> dict:
        """The parsed profile dict of `person`, as the browser layer would store it."""
        viewer = self.world.population.people[self.world.accounts["alice"].person]
        distance = self.world.distance("alice", person)
        data = profile_json(self.world.population, person, viewer, distance, distance, None)
        return parse_profile(data, person.public_id).to_dict()

    def fits(self, person: Person) -> bool:
        return self.world.population.fits(person, self.world.scenario)


def sandbox_pool(size: int = 500, seed: int = 7, scenario: str = "devops") -> SandboxPool:
    population = Population.generate(size=size, seed=seed)
    world = World.create(population, load(scenario))
    return SandboxPool(world, population.people[:size])


def scenario_truth(
    size: int,
    scenario: str,
    noise: float = 0.05,
    seed: int = 3,
    kind: str = "qualify",
    population: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(truth, LLM answers) for the first `size` members of the seed-7 population under `scenario`: the
    hidden truth, and what the stand-in answers with `noise` (its own rule: one person always gets the
    same, possibly wrong, answer; the people wrong at 5% are among those wrong at 10%). Another `kind`
    (e.g. "second-opinion") draws whom it is wrong about independently. The population, hence the
    profile texts, is the same for every scenario, so one set of vectors serves them all. `population`:
    generate that many people and take the first `size` (who is generated depends on the population
    size, as its company count does: vectors and truth must come from the same population)."""
    pool = sandbox_pool(size=population or size, seed=7, scenario=scenario)
    people = pool.people[:size]
    truth = np.array([int(pool.fits(p)) for p in people])
    answers = np.array(
        [int(t) ^ int(unit(seed, kind, p.public_id) < noise) for t, p in zip(truth, people, strict=True)]
    )
    return truth, answers


def embedded_vectors(size: int, cache: Path | None = None, cache_dir: Path | None = None) -> np.ndarray:
    """The profile texts of a `size`-person population embedded with the offline MiniLM (the same for
    every scenario). Read from / written to `cache` (.npz) when given, since embedding thousands of
    profiles takes minutes; a cache of another population size is refused (its people differ)."""
    if cache is not None and cache.exists():
        vectors = np.load(cache)["vectors"]
        if len(vectors) != size:
            raise ValueError(f"{cache} holds a {len(vectors)}-person population, not {size}: another file")
        return vectors
    pool = sandbox_pool(size=size, seed=7)
    texts = [profile_text(pool.profile(p)) for p in pool.people]
    embedder = Embedder(cache_dir=cache_dir or tempfile.mkdtemp(prefix="ml-pool-"), batch_size=16)
    vectors = embedder.embed(texts)
    if cache is not None:
        np.savez(cache, vectors=vectors)
    return vectors


def embedded_pool(
    size: int,
    noise: float = 0.05,
    seed: int = 3,
    cache: Path | None = None,
    cache_dir: Path | None = None,
    scenario: str = "devops",
    population: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors, truth, LLM answers) for the first `size` members of a scenario's sandbox population of
    `population` people (default `size`; see `embedded_vectors` and `scenario_truth`)."""
    truth, answers = scenario_truth(size, scenario, noise, seed, population=population)
    return embedded_vectors(population or size, cache, cache_dir)[:size], truth, answers
