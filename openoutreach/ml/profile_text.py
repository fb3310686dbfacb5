"""The text we embed for a lead, built from the browser layer's parsed profile dict.

Every content field the parser produces goes into the text; identifiers, names and our relationship to
the person are declared irrelevant on purpose (they say nothing about fit, and names would only add
bias). A field that is neither used nor declared is reported by `unaccounted_fields` and logged once, so
a parser change never drops information silently (a test fails on it too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# Top-level keys of the parsed profile.
USED_FIELDS = frozenset(
    {"headline", "summary", "location_name", "country_code", "industry", "positions", "educations"}
)
IRRELEVANT_FIELDS = {
    "url": "identifier, not content",
    "urn": "identifier, not content",
    "public_identifier": "identifier, not content",
    "full_name": "a name says nothing about fit and would bias the model",
    "first_name": "a name says nothing about fit and would bias the model",
    "last_name": "a name says nothing about fit and would bias the model",
    "connection_degree": "our relationship to the person, not the person",
    "distance": "our relationship to the person, not the person",
    "invitation_pending": "our relationship to the person, not the person",
    "missing": "parser diagnostics",
    "warnings": "parser diagnostics",
    "source_shape": "parser diagnostics (which Voyager generation answered)",
}
POSITION_USED = frozenset({"title", "company_name", "location", "date_range", "description"})
POSITION_IRRELEVANT = {"company_urn": "identifier; company_name carries the content"}
EDUCATION_USED = frozenset({"school_name", "degree_name", "field_of_study", "date_range", "description"})
EDUCATION_IRRELEVANT: dict[str, str] = {}

_warned: set[str] = set()


def _clean(value: Any) -> str:
    """Collapse whitespace; None and non-strings become '' or their str()."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _year_span(date_range: Any, open_end: str = "present") -> str:
    """'2015-2019', '2019-present' (positions: a null end means current), or '' for a missing range."""
    if not isinstance(date_range, Mapping):
        return ""
    start, end = date_range.get("start"), date_range.get("end")
    start_year = start.get("year") if isinstance(start, Mapping) else None
    end_year = end.get("year") if isinstance(end, Mapping) else None
    if start_year is None and end_year is None:
        return ""
    if end_year is None and not open_end:
        return str(start_year)
    return f"{start_year or '?'}-{end_year or open_end}"


def _position_line(position: Mapping[str, Any]) -> str:
    title, company = _clean(position.get("title")), _clean(position.get("company_name"))
    head = " at ".join(part for part in (title, company) if part)
    details = ", ".join(
        part for part in (_clean(position.get("location")), _year_span(position.get("date_range"))) if part
    )
    line = f"{head} ({details})" if details else head
    description = _clean(position.get("description"))
    return f"{line}: {description}" if description else line


def _education_line(education: Mapping[str, Any]) -> str:
    parts = [_clean(education.get(key)) for key in ("degree_name", "field_of_study", "school_name")]
    line = ", ".join(part for part in parts if part)
    years = _year_span(
        education.get("date_range"), open_end=""
    )  # an open education range is unknown, not current
    line = f"{line} ({years})" if years and line else line
    description = _clean(education.get("description"))
    return f"{line}: {description}" if description else line


def unaccounted_fields(profile: Mapping[str, Any]) -> list[str]:
    """Keys (dotted for nested ones) that this module neither uses nor declares irrelevant."""
    unknown = [key for key in profile if key not in USED_FIELDS and key not in IRRELEVANT_FIELDS]
    for list_key, used, ignored in (
        ("positions", POSITION_USED, POSITION_IRRELEVANT),
        ("educations", EDUCATION_USED, EDUCATION_IRRELEVANT),
    ):
        for item in profile.get(list_key) or []:
            if isinstance(item, Mapping):
                unknown += [f"{list_key}.{k}" for k in item if k not in used and k not in ignored]
    return sorted(set(unknown))


def _items(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in (value or []) if isinstance(item, Mapping)]


def profile_text(profile: Mapping[str, Any]) -> str:
    """Plain text of a parsed profile, most telling parts first (the embedding model truncates at 256
    tokens): headline, industry, location, positions in parser order (current first), about, education."""
    for key in unaccounted_fields(profile):
        if key not in _warned:
            _warned.add(key)
            log.warning("profile field %r is not used for embeddings nor declared irrelevant", key)

    lines: list[str] = []
    if headline := _clean(profile.get("headline")):
        lines.append(headline)
    if industry := _clean(profile.get("industry")):
        lines.append(f"Industry: {industry}")
    location = _clean(profile.get("location_name"))
    country = _clean(profile.get("country_code")).upper()
    if location or country:
        lines.append(
            f"Location: {location} ({country})"
            if location and country
            else f"Location: {location or country}"
        )
    positions = [line for line in map(_position_line, _items(profile.get("positions"))) if line]
    if positions:
        lines.append("Experience:")
        lines += [f"- {line}" for line in positions]
    if summary := _clean(profile.get("summary")):
        lines.append(f"About: {summary}")
    educations = [line for line in map(_education_line, _items(profile.get("educations"))) if line]
    if educations:
        lines.append("Education:")
        lines += [f"- {line}" for line in educations]
    return "\n".join(lines)


def current_company(profile: Mapping[str, Any]) -> str:
    """Company of the first position without an end date (the parser keeps LinkedIn's order), else ''."""
    for position in _items(profile.get("positions")):
        date_range = position.get("date_range")
        if not isinstance(date_range, Mapping) or date_range.get("end") is None:
            return _clean(position.get("company_name"))
    return ""
