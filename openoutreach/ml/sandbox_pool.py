"""Parsed profiles and hidden truth from the sandbox population, for the ML tests and benchmarks.

Goes through the same path as production: the sandbox renders the Voyager JSON LinkedIn would serve,
and the browser layer's parser turns it into the profile dict. Only for tests/benchmarks (imports the
sandbox, which production never does).
"""

from __future__ import annotations

from dataclasses import dataclass

from openoutreach.linkedin.voyager.parser import parse_profile
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
