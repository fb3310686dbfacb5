"""A deterministic, seeded population of LinkedIn members with hidden ground truth.

Two tiers keep 50,000 people cheap:
- the *core* of every person (name, place, company, role, seniority, headline, hidden propensities and
  page variants) is generated eagerly from one seeded stream, a few microseconds per person;
- the *details* (position history, educations, summary, skills, languages) are generated on demand
  from a per-person seed and cached, so only profiles that are actually viewed cost anything.

The same (seed, N) always gives the same people; person i does not depend on N except through the
company pool.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import re
import unicodedata
import zlib
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from itertools import accumulate

from openoutreach.sandbox import pools
from openoutreach.sandbox.profile_details import INJECTION_TEXT, Details, details_of
from openoutreach.sandbox.scenarios import Scenario

__all__ = ["INJECTION_TEXT", "Company", "Details", "Person", "Population"]

# Profile-page markup generations (linkedin-surface.md, "Profile page") and the default share of people
# served each; "legacy" is the old name of "2022".
GENERATIONS = ("2026", "2022", "older")
GENERATION_ALIASES = {"legacy": "2022"}
DEFAULT_MARKUP_SHARE: dict[str, float] = {"2026": 0.6, "2022": 0.3, "older": 0.1}
# Share of people whose Connect sits directly in the top card ("direct") instead of under More: in the
# 2026 sample Connect lived only in the menu on every not-yet-connected page, so "direct" is the exception
# there; the older generations keep the split the sandbox always had.
_OVERFLOW_SHARE = {"2026": (0.7, 0.85), "2022": (0.15, 0.4), "older": (0.15, 0.4)}  # (others, seniors)


def parse_markup_share(text: str | dict[str, float] | None) -> dict[str, float]:
    """`"2026=0.6,2022=0.3,older=0.1"` (or a dict) -> normalised shares of the three generations.

    Weights need not sum to 1 (they are normalised); a generation left out gets none. Raises
    ValueError naming the offending part: unknown generation, a weight that is not a number >= 0,
    or nothing left to serve."""
    if text is None:
        return dict(DEFAULT_MARKUP_SHARE)
    if isinstance(text, dict):
        items = list(text.items())
    else:
        items = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"markup share {part!r}: expected GENERATION=WEIGHT, e.g. 2026=0.6")
            items.append((name.strip(), value.strip()))
    shares = dict.fromkeys(GENERATIONS, 0.0)
    for name, value in items:
        generation = GENERATION_ALIASES.get(str(name), str(name))
        if generation not in shares:
            raise ValueError(f"markup share: unknown generation {name!r}; known: {', '.join(GENERATIONS)}")
        try:
            weight = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"markup share for {name}: {value!r} is not a number") from None
        if not weight >= 0 or weight == float("inf"):
            raise ValueError(f"markup share for {name}: {value!r} must be a finite number >= 0")
        shares[generation] = weight
    total = sum(shares.values())
    if total <= 0:
        raise ValueError("markup share: at least one generation needs a weight above 0")
    return {g: w / total for g, w in shares.items()}


def person_roll(seed: int, index: int, what: str) -> float:
    """A uniform number in [0, 1) for one person and one purpose, from its own stream (seed + index +
    purpose): page variants drawn here leave the population's main stream, and so everyone's names,
    places and fit, untouched."""
    digest = hashlib.blake2b(f"{seed}:{index}:{what}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _generation(seed: int, index: int, share: dict[str, float]) -> str:
    roll, edge = person_roll(seed, index, "generation"), 0.0
    for generation in GENERATIONS:
        edge += share[generation]
        if roll < edge:
            return generation
    return next(g for g in reversed(GENERATIONS) if share[g] > 0)


@dataclass(frozen=True, slots=True)
class Company:
    index: int
    company_id: int  # numeric id used in urn:li:fsd_company:<id>
    name: str
    industry: str
    size: int  # employees
    country: str


@dataclass(slots=True)
class Person:
    """Core attributes of one member plus the hidden truth the sandbox plays from."""

    index: int
    public_id: str
    profile_id: str  # the id in urn:li:fsd_profile:<id>
    member_id: int
    first_name: str
    last_name: str
    country: str  # ISO-2, lower case
    city: str
    region: str
    geo_id: int
    company: int  # index into Population.companies
    role: str
    seniority: str
    title: str
    headline: str
    # hidden propensities (ground truth the product must learn, never shows on a page)
    accept_prob: float
    accept_median_hours: float
    reply_prob: float
    # page and API variants, deterministic per person (faults can override them)
    markup: str  # profile-page generation: "2026" | "2022" | "older" (drawn by person_roll)
    legacy_flavor: int  # which of the documented 2022 top-card selectors matches (0..3)
    connect_style: str  # "direct" | "overflow" (Connect only under More)
    modal_variant: int  # 0 "Send without a note", 1 "Send now", 2 "Send invitation"
    private: bool  # Voyager answers 403, the page shows an unavailable notice
    injection: bool  # summary carries a prompt-injection attempt
    namesake_of: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def urn(self) -> str:
        return f"urn:li:fsd_profile:{self.profile_id}"


def _slug(text: str, keep_unicode: bool) -> str:
    text = text.lower().replace("'", "")
    if not keep_unicode:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^\w]+", "-", text).strip("-")


@dataclass
class Population:
    """N people and the companies they work at, generated from `seed`."""

    seed: int
    size: int
    markup_share: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MARKUP_SHARE))
    companies: list[Company] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    by_public_id: dict[str, int] = field(default_factory=dict)
    by_profile_id: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)  # full name -> people (namesakes)
    _search_index: dict[str, list[int]] | None = None
    _search_cache: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def generate(
        cls,
        size: int = 500,
        seed: int = 7,
        scenarios: list[Scenario] | None = None,
        markup_share: str | dict[str, float] | None = None,
    ) -> Population:
        """Generate N people; `scenarios` (default: all scenario files) decide who may carry a
        prompt injection: only people who fit none of them, so an LLM that obeys it is caught.
        `markup_share` (see parse_markup_share) decides which profile-page generation each person
        gets; it changes nothing else about anyone."""
        if size < 1:
            raise ValueError(f"population size must be positive, got {size}")
        pop = cls(seed=seed, size=size, markup_share=parse_markup_share(markup_share))
        rng = random.Random(seed)
        pop._make_companies(rng)
        pop._make_people(rng)
        if scenarios is None:
            from openoutreach.sandbox.scenarios import load_all

            scenarios = list(load_all().values())
        for p in pop.people:
            if p.injection and any(pop.fits(p, s) for s in scenarios):
                p.injection = False
        return pop

    # -- generation -------------------------------------------------------------------------------

    def _make_companies(self, rng: random.Random) -> None:
        industries = list(pools.INDUSTRY_WEIGHTS)
        ind_cum = list(accumulate(pools.INDUSTRY_WEIGHTS.values()))
        countries = list(pools.COUNTRIES)
        ctry_cum = list(accumulate(v[2] for v in pools.COUNTRIES.values()))
        seen: set[str] = set()
        for i in range(max(60, self.size // 8)):
            industry = rng.choices(industries, cum_weights=ind_cum)[0]
            stem = rng.choice(pools.COMPANY_PREFIX) + rng.choice(pools.COMPANY_MIDDLE).lower()
            name = f"{stem} {rng.choice(pools.COMPANY_SUFFIX[industry])}"
            for extra in ("Group", "Partners", "International", "Holdings", "Global"):
                if name not in seen:  # keep company names unique: search and the product key on them
                    break
                name = f"{stem} {rng.choice(pools.COMPANY_SUFFIX[industry])} {extra}"
            else:
                name = f"{name} {i}"
            seen.add(name)
            self.companies.append(
                Company(
                    index=i,
                    company_id=1_000_000 + i * 13 + rng.randrange(13),
                    name=name,
                    industry=industry,
                    size=int(10 ** min(5.0, max(0.3, rng.gauss(2.4, 0.9)))),  # median ~250 employees
                    country=rng.choices(countries, cum_weights=ctry_cum)[0],
                )
            )

    def _make_people(self, rng: random.Random) -> None:
        countries = list(pools.COUNTRIES)
        ctry_cum = list(accumulate(v[2] for v in pools.COUNTRIES.values()))
        sen_cum = list(accumulate(pools.SENIORITY_WEIGHTS))
        n_comp = len(self.companies)
        used_ids: set[str] = set()
        for i in range(self.size):
            company = self.companies[rng.randrange(n_comp)]
            country = (
                company.country if rng.random() < 0.75 else rng.choices(countries, cum_weights=ctry_cum)[0]
            )
            firsts, lasts = pools.NAMES[country]
            first, last = rng.choice(firsts), rng.choice(lasts)
            namesake_of = None
            if i > 10 and rng.random() < 0.05:  # namesakes: the typeahead's "first hit" is often wrong
                namesake_of = rng.randrange(i)
                first, last = self.people[namesake_of].first_name, self.people[namesake_of].last_name
            role = rng.choice(pools.INDUSTRIES[company.industry])
            seniority = pools.SENIORITIES[bisect.bisect_left(sen_cum, rng.random() * sen_cum[-1])]
            title = rng.choice(pools.TITLES[role][seniority])
            cities = pools.COUNTRIES[country][1]
            city_idx = rng.randrange(len(cities))
            city, region = cities[city_idx]
            buzz = pools.BUZZWORDS[role]
            b1, b2 = rng.sample(buzz, 2)
            style = rng.randrange(4)
            headline = (
                f"{title} at {company.name}",
                f"{title} | {b1} | {b2}",
                f"{title} @ {company.name} — {b1}, {b2}",
                f"Helping teams with {b1} and {b2} | {title}",
            )[style]
            public_id = self._public_id(rng, first, last, used_ids)
            digest = hashlib.blake2b(f"{self.seed}:{i}".encode(), digest_size=24).digest()
            senior = seniority in ("director", "vp", "cxo")
            generation = _generation(self.seed, i, self.markup_share)
            member_id = 10_000_000 + i * 37 + rng.randrange(37)
            accept_prob = round(min(0.9, max(0.05, rng.gauss(0.42, 0.18))), 3)
            accept_median_hours = round(rng.lognormvariate(3.0, 0.9), 2)  # median ~20 h
            reply_prob = round(min(0.8, max(0.02, rng.gauss(0.3, 0.15))), 3)
            rng.random()  # the generation was once drawn here: kept so every later draw stays the same
            person = Person(
                index=i,
                public_id=public_id,
                profile_id="ACoAA"
                + urlsafe_b64encode(digest).decode()[:29].replace("-", "x").replace("_", "Z"),
                member_id=member_id,
                first_name=first,
                last_name=last,
                country=country,
                city=city,
                region=region,
                geo_id=100_000_000 + countries.index(country) * 100 + city_idx,
                company=company.index,
                role=role,
                seniority=seniority,
                title=title,
                headline=headline,
                accept_prob=accept_prob,
                accept_median_hours=accept_median_hours,
                reply_prob=reply_prob,
                markup=generation,
                legacy_flavor=rng.randrange(4),
                connect_style=(
                    "overflow" if rng.random() < _OVERFLOW_SHARE[generation][senior] else "direct"
                ),
                modal_variant=rng.randrange(3),
                private=rng.random() < 0.015,
                injection=False,
                namesake_of=namesake_of,
            )
            person.injection = rng.random() < 0.015 and not person.private
            self.people.append(person)
            self.by_public_id[public_id] = i
            self.by_profile_id[person.profile_id] = i
            self.by_name.setdefault(person.full_name, []).append(i)

    def _public_id(self, rng: random.Random, first: str, last: str, used: set[str]) -> str:
        keep_unicode = rng.random() < 0.5
        base = _slug(f"{first} {last}", keep_unicode)
        while True:
            candidate = f"{base}-{rng.getrandbits(32):08x}"[: len(base) + 1 + rng.choice((6, 7, 8))]
            if candidate not in used:
                used.add(candidate)
                return candidate

    # -- lookups ----------------------------------------------------------------------------------

    def get(self, public_id: str) -> Person | None:
        idx = self.by_public_id.get(public_id)
        return None if idx is None else self.people[idx]

    def company_of(self, person: Person) -> Company:
        return self.companies[person.company]

    def location_name(self, person: Person) -> str:
        return f"{person.city}, {person.region}, {pools.COUNTRIES[person.country][0]}"

    def fits(self, person: Person, scenario: Scenario) -> bool:
        company = self.companies[person.company]
        return scenario.ideal.matches(
            person.role, person.seniority, company.industry, company.size, person.country
        )

    def details(self, person: Person) -> Details:
        return details_of(self, person.index)

    # -- search -----------------------------------------------------------------------------------

    def search(self, keywords: str, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """People matching `keywords`, best first: a person needs at least half of the words.

        Words in the title weigh most, then headline, then company, industry and place; ties keep a
        stable, per-query order so paging through results is consistent.
        """
        words = _tokens(keywords)
        if not words:
            return []
        key = " ".join(words)
        if key not in self._search_cache:  # paging re-runs the same query: keep the last few rankings
            if len(self._search_cache) >= 64:
                self._search_cache.pop(next(iter(self._search_cache)))
            self._search_cache[key] = self._rank(words)
        return [i for i in self._search_cache[key] if i not in exclude]

    def _rank(self, words: list[str]) -> list[int]:
        index = self._index()
        scores: dict[int, float] = {}
        hits: dict[int, int] = {}
        for word in set(words):
            for posting in index.get(word, ()):
                idx, weight = divmod(posting, 8)
                scores[idx] = scores.get(idx, 0.0) + weight
                hits[idx] = hits.get(idx, 0) + 1
        need = (len(set(words)) + 1) // 2
        salt = zlib.crc32(" ".join(words).encode())  # same words, same order
        ranked = [i for i, n in hits.items() if n >= need]
        ranked.sort(key=lambda i: (-scores[i], (i * 2654435761 + salt) & 0xFFFFFFFF))
        return ranked

    def _index(self) -> dict[str, list[int]]:
        # postings pack (person index, weight) into one int: index * 8 + weight
        if self._search_index is None:
            index: dict[str, list[int]] = {}
            for p in self.people:
                company = self.companies[p.company]
                weights: dict[str, int] = {}
                fields = (
                    (company.industry, 1),
                    (f"{p.city} {pools.COUNTRIES[p.country][0]}", 1),
                    (company.name, 2),
                    (p.headline, 2),
                    (p.title, 4),
                )
                for text, weight in fields:
                    for word in _tokens(text):
                        weights[word] = max(weights.get(word, 0), weight)
                for word, weight in weights.items():
                    index.setdefault(word, []).append(p.index * 8 + weight)
            self._search_index = index
        return self._search_index


_WORD = re.compile(r"[\w/+#&.-]+")


def _tokens(text: str) -> list[str]:
    return [
        w.strip(".-")
        for w in _WORD.findall(text.lower())
        if w.strip(".-") not in ("", "at", "of", "and", "the", "|", "@")
    ]
