"""Pure parser of a Voyager profile response, of either generation, into a flat `ParsedProfile`.

The response is normalized JSON: `{"data": ..., "included": [entities]}` where keys starting with
`*` hold URN references into `included` (see the shared linkedin-surface doc). Two generations are live:
REST (`data.*elements`, readable recipe names, the relationship behind `*memberRelationship`) and
GraphQL (`data.data.identityDashProfilesByMemberIdentity.*elements`, hashed recipe names, the viewer's
own Profile beside the member's, the relationship as a separate entity found by profile id; see
`relationship.py`). Real responses vary (extra entity types, missing recipes, unresolvable references,
top-card variants with one untitled position), so this parser never raises on content, however hostile:
whatever it cannot find is listed in `missing` and whatever looked wrong in `warnings`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from openoutreach.linkedin.urls import profile_url
from openoutreach.linkedin.voyager.entities import (
    PROFILE_URN_PREFIX,
    Entities,
    profile_id,
    strings,
    text,
)
from openoutreach.linkedin.voyager.relationship import read_relationship

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.linkedin.com"
GRAPHQL_COLLECTION_KEY = "identityDashProfilesByMemberIdentity"

_FULL_PROFILE_RECIPE = "FullProfileWithEntities"


@dataclass
class Position:
    title: str | None = None
    company_name: str | None = None
    company_urn: str | None = None
    location: str | None = None
    date_range: dict | None = None
    description: str | None = None


@dataclass
class Education:
    school_name: str | None = None
    degree_name: str | None = None
    field_of_study: str | None = None
    date_range: dict | None = None
    description: str | None = None


@dataclass
class ParsedProfile:
    """The fields the product uses, plus what could not be found and what looked wrong.

    `source_shape` says which generation the response was ("rest" | "graphql"; None when unknown).
    """

    url: str | None = None
    urn: str | None = None
    public_identifier: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    headline: str | None = None
    summary: str | None = None
    location_name: str | None = None
    country_code: str | None = None
    industry: str | None = None
    positions: list[Position] = field(default_factory=list)
    educations: list[Education] = field(default_factory=list)
    connection_degree: int | None = None
    distance: str | None = None
    invitation_pending: bool | None = None
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source_shape: str | None = None

    @property
    def found(self) -> bool:
        """True when the response held a profile entity at all."""
        return self.urn is not None or self.public_identifier is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_profile(
    data: Any, public_id: str | None = None, *, base_url: str = DEFAULT_BASE_URL
) -> ParsedProfile:
    """Parse one Voyager profile response; `public_id` is the requested member's public id, profile
    URN or profile id (it chooses among several Profile entities). Never raises; see `missing` /
    `warnings`."""
    try:
        return _parse(data, public_id, base_url)
    except Exception as exc:  # RecursionError included: a hostile body must not take the worker down
        log.warning("Voyager parser gave up on a response", exc_info=True)
        result = ParsedProfile(missing=["profile"])
        result.warnings.append(f"the parser gave up on this response ({type(exc).__name__}: {exc})")
        return result


def _parse(data: Any, public_id: str | None, base_url: str) -> ParsedProfile:
    result = ParsedProfile()
    if not isinstance(data, dict):
        result.warnings.append(f"response is a {type(data).__name__}, not a JSON object")
        result.missing.append("profile")
        return result
    result.source_shape = _shape(data)
    entities = Entities(data, result.warnings)
    profile = _choose_profile(data, entities, public_id, result.warnings)
    if profile is None:
        result.missing.append("profile")
        return result

    result.urn = text(profile.get("entityUrn"))
    result.public_identifier = text(profile.get("publicIdentifier")) or _public_id_or_none(public_id)
    if result.public_identifier:
        result.url = profile_url(result.public_identifier, base_url)
    result.first_name = text(profile.get("firstName"))
    result.last_name = text(profile.get("lastName"))
    result.full_name = " ".join(n for n in (result.first_name, result.last_name) if n) or None
    result.headline = text(profile.get("headline"))
    result.summary = text(profile.get("summary"))
    result.location_name, result.country_code = _location(profile, entities)
    industry = entities.ref(profile, "industry")
    result.industry = text(industry.get("name")) if industry else text(profile.get("industryName"))
    result.positions = [_position(p, entities) for p in _position_entities(profile, entities)]
    result.educations = [_education(e, entities) for e in _education_entities(profile, entities)]
    relationship = read_relationship(profile, entities, result.warnings)
    result.connection_degree = relationship.degree
    result.distance = relationship.distance
    result.invitation_pending = relationship.invitation_pending

    for name in ("urn", "public_identifier", "full_name", "headline", "location_name", "country_code"):
        if getattr(result, name) is None:
            result.missing.append(name)
    if result.industry is None:
        result.missing.append("industry")
    if not result.positions:
        result.missing.append("positions")
    if not result.educations:
        result.missing.append("educations")
    result.missing.extend(relationship.missing)
    return result


def _shape(data: dict) -> str | None:
    envelope = data.get("data")
    if not isinstance(envelope, dict):
        return None
    if isinstance(envelope.get("data"), dict) or any(GRAPHQL_COLLECTION_KEY in str(k) for k in envelope):
        return "graphql"
    return "rest" if "*elements" in envelope else None


def _public_id_or_none(requested: str | None) -> str | None:
    """The requested id as the public id, unless it is a profile URN/id (those are not vanity names)."""
    if not requested or requested.startswith(("urn:", "ACoA")):
        return None
    return requested


def _choose_profile(
    data: dict, entities: Entities, requested: str | None, warnings: list[str]
) -> dict | None:
    """The requested member among several Profile entities (the viewer's own is often one of them).

    Order: the requested id (public id, profile URN or profile id); else a FullProfile recipe (REST);
    else the profile the envelope's `*elements` points to (`data.*elements` in REST,
    `data.data.<collection>.*elements` in GraphQL); else the only Profile entity, but only when no id
    was requested (an unmatched id must never end on the viewer's profile by elimination). Two
    candidates and nothing to tell them apart: None, with a warning.
    """
    profiles = entities.profiles()
    if requested:
        match = _match(profiles, requested)
        if match is not None:
            return match
        warnings.append(f"no Profile entity matches the requested id {requested!r}")
    full = [p for p in profiles if any(_FULL_PROFILE_RECIPE in r for r in strings(p.get("$recipeTypes")))]
    if full:
        if len(full) > 1:
            warnings.append(f"{len(full)} FullProfile entities; using the first")
        return full[0]
    pointed = _pointed(data, entities)
    if pointed:
        if len(pointed) > 1:
            warnings.append(f"the envelope points to {len(pointed)} profiles; using the first")
        return pointed[0]
    if len(profiles) == 1 and not requested:
        return profiles[0]
    if profiles:
        warnings.append(f"cannot tell which of {len(profiles)} Profile entities is the member")
    return None


def _match(profiles: list[dict], requested: str) -> dict | None:
    wanted = requested.strip()
    lowered = wanted.lower()
    for p in profiles:
        if (text(p.get("publicIdentifier")) or "").lower() == lowered:
            return p
    urns = {wanted, PROFILE_URN_PREFIX + wanted}
    for p in profiles:
        if p.get("entityUrn") in urns or p.get("objectUrn") in (wanted, f"urn:li:member:{wanted}"):
            return p
    return None


def _pointed(data: dict, entities: Entities) -> list[dict]:
    """Profile entities named by the envelope's `*elements` (REST or GraphQL), in order."""
    envelope = data.get("data")
    if not isinstance(envelope, dict):
        return []
    urns: list = []
    if isinstance(envelope.get("*elements"), list):
        urns.extend(envelope["*elements"])
    # GraphQL: data.data.<collection>; a capture saved without the outer level: data.<collection>
    for holder in (envelope.get("data"), envelope):
        if not isinstance(holder, dict):
            continue
        keys = sorted(holder, key=lambda k: GRAPHQL_COLLECTION_KEY not in str(k))  # the documented key first
        for key in keys:
            value = holder[key]
            if isinstance(key, str) and key.startswith("*") and isinstance(value, str):
                value = entities.by_urn.get(value)  # a collection kept as its own entity
            if isinstance(value, dict) and isinstance(value.get("*elements"), list):
                urns.extend(value["*elements"])
    found: list[dict] = []
    for urn in urns:
        entity = entities.by_urn.get(urn) if isinstance(urn, str) else None
        if entity is not None and entity in entities.profiles() and not any(entity is f for f in found):
            found.append(entity)
    return found


def _location(profile: dict, entities: Entities) -> tuple[str | None, str | None]:
    """(location name, lower-case ISO-2 country): `locationName`, else the Geo's localized name."""
    name = text(profile.get("locationName"))
    geo_holder = profile.get("geoLocation") if isinstance(profile.get("geoLocation"), dict) else {}
    geo = None
    for urn in (geo_holder.get("*geo"), geo_holder.get("geoUrn"), profile.get("*geo"), profile.get("geoUrn")):
        if isinstance(urn, str) and urn in entities.by_urn:
            geo = entities.by_urn[urn]
            break
    if name is None and geo is not None:
        name = text(geo.get("defaultLocalizedName")) or text(
            geo.get("defaultLocalizedNameWithoutCountryName")
        )
    location = profile.get("location") if isinstance(profile.get("location"), dict) else {}
    country = text(location.get("countryCode"))
    return name, country.lower() if country else None


def _position_entities(profile: dict, entities: Entities) -> list[dict]:
    """Positions in profile order, from whichever link the shape uses: position groups -> positions
    (full profiles), else a flat positions collection or the top position (top-card variants), else the
    Position entities keyed by this profile's id (a shape whose link we do not know)."""
    positions: list[dict] = []
    for group in entities.collection(profile, "profilePositionGroups"):
        if str(group.get("$type", "")).endswith(".Position"):
            positions.append(group)
        else:
            positions.extend(entities.collection(group, "profilePositionInPositionGroup"))
    for key in ("profilePositions", "profileTopPosition"):
        if not positions:
            positions = entities.collection(profile, key)
    if not positions:
        positions = _owned(profile, entities, "urn:li:fsd_profilePosition:(", ".Position")
    return _unique(positions)


def _education_entities(profile: dict, entities: Entities) -> list[dict]:
    """Educations from `profileEducations`, else the top education, else those keyed by profile id."""
    educations: list[dict] = []
    for key in ("profileEducations", "profileTopEducation"):
        if not educations:
            educations = entities.collection(profile, key)
    if not educations:
        educations = _owned(profile, entities, "urn:li:fsd_profileEducation:(", ".Education")
    return _unique(educations)


def _owned(profile: dict, entities: Entities, urn_prefix: str, type_suffix: str) -> list[dict]:
    """Entities of one kind whose URN carries this profile's id (never the viewer's: other id)."""
    pid = profile_id(profile)
    if pid is None:
        return []
    prefix = f"{urn_prefix}{pid},"
    return [
        e
        for e in entities.order
        if e["entityUrn"].startswith(prefix) and str(e.get("$type", type_suffix)).endswith(type_suffix)
    ]


def _unique(items: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.get("entityUrn")
        if isinstance(key, str):
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out


def _position(entity: dict, entities: Entities) -> Position:
    company = entities.ref(entity, "company")
    company_urn = text(entity.get("companyUrn")) or text(entity.get("*company"))
    return Position(
        title=text(entity.get("title")),
        company_name=(text(company.get("name")) if company else None) or text(entity.get("companyName")),
        company_urn=company_urn,
        location=text(entity.get("locationName")) or text(entity.get("geoLocationName")),
        date_range=_date_range(entity.get("dateRange")),
        description=text(entity.get("description")),
    )


def _education(entity: dict, entities: Entities) -> Education:
    school = entities.ref(entity, "school")
    return Education(
        school_name=(text(school.get("name")) if school else None) or text(entity.get("schoolName")),
        degree_name=text(entity.get("degreeName")),
        field_of_study=text(entity.get("fieldOfStudy")),
        date_range=_date_range(entity.get("dateRange")),
        description=text(entity.get("description")),
    )


def _date_range(value: Any) -> dict | None:
    """`{"start": {"year", "month"} | None, "end": ... | None}`; month may be None; end None = current."""
    if not isinstance(value, dict):
        return None

    def point(p: Any) -> dict | None:
        if not isinstance(p, dict) or not isinstance(p.get("year"), int) or isinstance(p["year"], bool):
            return None
        month = p.get("month")
        return {"year": p["year"], "month": month if isinstance(month, int) else None}

    return {"start": point(value.get("start")), "end": point(value.get("end"))}
