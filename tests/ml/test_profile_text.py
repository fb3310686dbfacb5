"""Profile text: every field the parser produces is used or explicitly declared irrelevant."""

from __future__ import annotations

import dataclasses

from openoutreach.linkedin.voyager.parser import Education, ParsedProfile, Position
from openoutreach.ml import profile_text as pt


def test_every_parser_field_is_used_or_declared_irrelevant():
    for cls, used, ignored in (
        (ParsedProfile, pt.USED_FIELDS, pt.IRRELEVANT_FIELDS),
        (Position, pt.POSITION_USED, pt.POSITION_IRRELEVANT),
        (Education, pt.EDUCATION_USED, pt.EDUCATION_IRRELEVANT),
    ):
        names = {f.name for f in dataclasses.fields(cls)}
        assert names - used - set(ignored) == set(), f"{cls.__name__}: unaccounted fields"
        assert not used & set(ignored), f"{cls.__name__}: a field is both used and ignored"


def test_real_parsed_profiles_have_nothing_unaccounted_and_their_content_is_in_the_text(pool):
    for person in pool.people[:40]:
        profile = pool.profile(person)
        assert pt.unaccounted_fields(profile) == []
        text = pt.profile_text(profile)
        for key in ("headline", "summary", "industry", "location_name"):
            if profile[key]:
                assert " ".join(profile[key].split()) in text, key
        for position in profile["positions"]:
            for key in ("title", "company_name", "location", "description"):
                if position[key]:
                    assert " ".join(position[key].split()) in text, key
        for education in profile["educations"]:
            for key in ("school_name", "degree_name", "field_of_study", "description"):
                if education[key]:
                    assert " ".join(education[key].split()) in text, key


def test_an_unknown_field_is_reported():
    assert pt.unaccounted_fields(
        {"headline": "x", "skills": ["a"], "positions": [{"title": "t", "team": "z"}]}
    ) == [
        "positions.team",
        "skills",
    ]


def test_text_from_a_hand_written_profile():
    profile = {
        "headline": "Head of Platform",
        "summary": "Runs   infra.",
        "location_name": "Berlin",
        "country_code": "de",
        "industry": "Software Development",
        "full_name": "Alice Moreau",
        "positions": [
            {
                "title": "Head of Platform",
                "company_name": "Acme",
                "location": None,
                "description": None,
                "date_range": {"start": {"year": 2021}, "end": None},
            },  # fmt: skip
            {
                "title": "SRE",
                "company_name": "Beta",
                "location": "Paris",
                "description": "On-call lead",
                "date_range": {"start": {"year": 2017}, "end": {"year": 2021}},
            },  # fmt: skip
        ],
        "educations": [
            {"school_name": "TU Berlin", "degree_name": "MSc", "field_of_study": "CS", "date_range": None}
        ],
    }
    text = pt.profile_text(profile)
    assert text.splitlines() == [
        "Head of Platform",
        "Industry: Software Development",
        "Location: Berlin (DE)",
        "Experience:",
        "- Head of Platform at Acme (2021-present)",
        "- SRE at Beta (Paris, 2017-2021): On-call lead",
        "About: Runs infra.",
        "Education:",
        "- MSc, CS, TU Berlin",
    ]
    assert "Alice" not in text  # names are declared irrelevant on purpose
    assert pt.current_company(profile) == "Acme"
