"""Entities a real Voyager profile response carries that the product does not use.

Real responses are ~40-70 KB with ~50 entities (projects, courses, honors, publications, volunteering,
top-position shortcuts, picture artifacts, localized names). Serving them keeps the parser honest:
it must pick what it needs and ignore the rest, and it gets exercised at a realistic size.
"""

from __future__ import annotations

import random
import secrets
from typing import Protocol

from openoutreach.sandbox.population import Person

T = "com.linkedin.voyager.dash."


class Builder(Protocol):
    def add(self, type_: str, urn: str, recipes: list[str], **fields) -> str: ...
    def collection(self, elements: list[str], recipe: str) -> str: ...


def picture(person: Person) -> dict:
    """The nested image structure every profile carries (URLs on the CDN, never fetched)."""
    segment = secrets.token_urlsafe(18)
    return {
        "displayImageReference": {
            "vectorImage": {
                "rootUrl": f"https://media.licdn.com/dms/image/v2/{segment}/profile-displayphoto-shrink_",
                "artifacts": [
                    {
                        "width": size,
                        "height": size,
                        "expiresAt": 1_900_000_000_000,
                        "fileIdentifyingUrlPathSegment": f"{size}_{size}/0/{secrets.token_hex(8)}?e=1900000000&v=beta",
                    }
                    for size in (100, 200, 400, 800)
                ],
            }
        },
        "a11yText": person.full_name,
        "frameType": None,
    }


def localized(person: Person) -> dict:
    return {
        "multiLocaleFirstName": {"en_US": person.first_name},
        "multiLocaleLastName": {"en_US": person.last_name},
        "multiLocaleHeadline": {"en_US": person.headline},
    }


def extras(
    b: Builder, person: Person, seed: int, position_urns: list[str], education_urns: list[str]
) -> dict:
    """Add the decoy entities; returns the profile's extra `*` references to them."""
    rng = random.Random(f"{seed}:extras:{person.index}")
    pid = person.profile_id
    refs: dict = {}
    kinds = {
        "Project": ("*profileProjects", ["Migration to {x}", "{x} rollout", "Internal {x} platform"], 3),
        "Course": ("*profileCourses", ["Advanced {x}", "{x} Fundamentals", "Leading {x} teams"], 4),
        "Honor": ("*profileHonors", ["{x} Award", "Top {x} contributor"], 2),
        "Publication": ("*profilePublications", ["Notes on {x}", "{x} in practice"], 2),
        "VolunteerExperience": ("*profileVolunteerExperiences", ["{x} mentor", "Meetup organiser: {x}"], 2),
    }
    topics = [
        "reliability",
        "hiring",
        "patient flow",
        "cloud cost",
        "onboarding",
        "data quality",
        "scheduling",
    ]
    for n, (kind, (ref, titles, most)) in enumerate(kinds.items()):
        urns = []
        for i in range(rng.randint(0, most)):
            title = rng.choice(titles).format(x=rng.choice(topics))
            year = rng.randint(2010, 2025)
            urns.append(
                b.add(
                    f"{T}identity.profile.{kind}",
                    f"urn:li:fsd_profile{kind}:({pid},{n * 100 + i + 1})",
                    [f"{T}deco.identity.profile.{kind}"],
                    name=title,
                    title=title,
                    description=f"{title}: what we learned, what we would do again. " * rng.randint(1, 3),
                    dateRange={
                        "start": {"year": year},
                        "end": None if rng.random() < 0.3 else {"year": year + 1},
                    },
                )
            )
        refs[ref] = b.collection(urns, f"{T}deco.identity.profile.{kind}Collection")
    refs["*profileTopPosition"] = b.collection(position_urns[:1], f"{T}deco.identity.profile.TopPosition")
    refs["*profileTopEducation"] = b.collection(education_urns[:1], f"{T}deco.identity.profile.TopEducation")
    return refs
