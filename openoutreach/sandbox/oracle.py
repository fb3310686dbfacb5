"""The ground truth the LLM stand-in answers from (and nothing else: no page, no session).

`openoutreach/sandbox/llm.py` receives an Oracle and may only call these methods.
"""

from __future__ import annotations

from openoutreach.sandbox import messaging
from openoutreach.sandbox.world import World


class Oracle:
    def __init__(self, world: World) -> None:
        self._world = world

    def person_fits(self, public_id: str) -> bool | None:
        """Does the person fit the ACTIVE scenario's ideal customer? None for an unknown id."""
        person = self._world.population.get(public_id)
        if person is None:
            return None
        return self._world.population.fits(person, self._world.scenario)

    def person_facts(self, public_id: str) -> dict | None:
        """Name, headline, company and location of a person, or None for an unknown id."""
        pop = self._world.population
        person = pop.get(public_id)
        if person is None:
            return None
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "full_name": person.full_name,
            "headline": person.headline,
            "company": pop.company_of(person).name,
            "location": pop.location_name(person),
        }

    def scenario(self) -> dict:
        """The active campaign as the operator describes it: name, product, objective, keywords."""
        return self._world.scenario.public()

    def reply_intent(self, prompt: str) -> str | None:
        """The true intent of the person's reply quoted in the prompt, or None if it quotes none we know."""
        return messaging.intent_in_prompt(self._world, prompt)
