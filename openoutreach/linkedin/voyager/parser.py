"""Pure parser of a Voyager `FullProfileWithEntities` response into a flat `ParsedProfile`.

The response is normalized JSON: `{"data": ..., "included": [entities]}` where keys starting with
`*` hold URN references into `included` (see the shared linkedin-surface doc). Real responses vary
(extra entity types, missing recipes, unresolvable references), so this parser never raises on
content: whatever it cannot find is listed in `missing` and whatever looked wrong in `warnings`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openoutreach.linkedin.urls import profile_url

DEFAULT_BASE_URL = "https://www.linkedin.com"

_PROFILE_TYPE = "com.linkedin.voyager.dash.identity.profile.Profile"
_FULL_PROFILE_RECIPE = "FullProfileWithEntities"

# memberDistance values -> connection degree (None: outside the network, degree unknown).
_DISTANCES = {"DISTANCE_1": 1, "DISTANCE_2": 2, "DISTANCE_3": 3, "OUT_OF_NETWORK": None}


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
    """The fields the product uses, plus what could not be found and what looked wrong."""

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

    @property
    def found(self) -> bool:
        """True when the response held a profile entity at all."""
        return self.urn is not None or self.public_identifier is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_profile(
    data: Any, public_id: str | None = None, *, base_url: str = DEFAULT_BASE_URL
) -> ParsedProfile:
    """Parse one Voyager profile response. Never raises on content; see `missing` / `warnings`."""
    result = ParsedProfile()
    if not isinstance(data, dict):
        result.warnings.append(f"response is a {type(data).__name__}, not a JSON object")
        result.missing.append("profile")
        return result
    entities = _Entities(data, result.warnings)
    profile = _choose_profile(data, entities, public_id, result.warnings)
    if profile is None:
        result.missing.append("profile")
        return result

    result.urn = _text(profile.get("entityUrn"))
    result.public_identifier = _text(profile.get("publicIdentifier")) or public_id
    if result.public_identifier:
        result.url = profile_url(result.public_identifier, base_url)
    result.first_name = _text(profile.get("firstName"))
    result.last_name = _text(profile.get("lastName"))
    result.full_name = " ".join(n for n in (result.first_name, result.last_name) if n) or None
    result.headline = _text(profile.get("headline"))
    result.summary = _text(profile.get("summary"))
    result.location_name, result.country_code = _location(profile, entities)
    industry = entities.ref(profile, "industry")
    result.industry = _text(industry.get("name")) if industry else _text(profile.get("industryName"))
    result.positions = [_position(p, entities) for p in _position_entities(profile, entities)]
    result.educations = [_education(e, entities) for e in entities.collection(profile, "profileEducations")]
    _relationship(profile, entities, result)

    for name in ("urn", "public_identifier", "full_name", "headline", "location_name", "country_code"):
        if getattr(result, name) is None:
            result.missing.append(name)
    if result.industry is None:
        result.missing.append("industry")
    if not result.positions:
        result.missing.append("positions")
    if not result.educations:
        result.missing.append("educations")
    return result


class _Entities:
    """`entityUrn -> entity` over `included`, resolving `*key` references and collections."""

    def __init__(self, data: dict, warnings: list[str]) -> None:
        self.warnings = warnings
        self.by_urn: dict[str, dict] = {}
        included = data.get("included")
        if included is None:
            warnings.append("response has no 'included' list")
            included = []
        elif not isinstance(included, list):
            warnings.append(f"'included' is a {type(included).__name__}, not a list")
            included = []
        for entity in included:
            if isinstance(entity, dict) and isinstance(entity.get("entityUrn"), str):
                self.by_urn[entity["entityUrn"]] = entity

    def of_type(self, type_name: str) -> list[dict]:
        return [e for e in self.by_urn.values() if e.get("$type") == type_name]

    def get(self, urn: Any, context: str) -> dict | None:
        """The entity behind `urn`; a URN missing from `included` is dropped with a warning."""
        if not isinstance(urn, str):
            return None
        entity = self.by_urn.get(urn)
        if entity is None:
            self.warnings.append(f"{context}: {urn} is not in 'included'")
        return entity

    def ref(self, owner: dict, key: str) -> dict | None:
        """Follow `owner["*key"]` (a URN), or take `owner[key]` when the entity is inlined."""
        inline = owner.get(key)
        if isinstance(inline, dict):
            return inline
        return self.get(owner.get("*" + key), key)

    def collection(self, owner: dict, key: str) -> list[dict]:
        """The resolved `*elements` of the collection at `owner["*key"]` (or inlined at `owner[key]`)."""
        coll = self.ref(owner, key)
        if coll is None:
            return []
        inline = coll.get("elements")
        if isinstance(inline, list):
            return [e for e in inline if isinstance(e, dict)]
        urns = coll.get("*elements")
        if not isinstance(urns, list):
            return []
        return [e for e in (self.get(u, key) for u in urns) if e is not None]


def _choose_profile(
    data: dict, entities: _Entities, public_id: str | None, warnings: list[str]
) -> dict | None:
    """The requested member among several Profile entities (the viewer's mini profile is one too).

    Order (surface doc): publicIdentifier match, else a FullProfile recipe, else `data.*elements[0]`.
    """
    profiles = entities.of_type(_PROFILE_TYPE)
    if public_id:
        wanted = public_id.lower()
        for p in profiles:
            if str(p.get("publicIdentifier") or "").lower() == wanted:
                return p
        warnings.append(f"no Profile entity has publicIdentifier {public_id!r}")
    full = [p for p in profiles if any(_FULL_PROFILE_RECIPE in str(r) for r in _list(p.get("$recipeTypes")))]
    if full:
        if len(full) > 1:
            warnings.append(f"{len(full)} FullProfile entities; using the first")
        return full[0]
    envelope = data.get("data")
    if isinstance(envelope, dict):
        urns = envelope.get("*elements")
        if isinstance(urns, list) and urns:
            pointed = entities.get(urns[0], "data.*elements")
            if pointed is not None:
                return pointed
    if len(profiles) == 1:
        return profiles[0]
    warnings.append(f"cannot tell which of {len(profiles)} Profile entities is the member")
    return None


def _location(profile: dict, entities: _Entities) -> tuple[str | None, str | None]:
    """(location name, lower-case ISO-2 country): `locationName`, else the Geo's localized name."""
    name = _text(profile.get("locationName"))
    geo_holder = profile.get("geoLocation") if isinstance(profile.get("geoLocation"), dict) else {}
    geo = None
    for urn in (geo_holder.get("*geo"), geo_holder.get("geoUrn"), profile.get("*geo"), profile.get("geoUrn")):
        if isinstance(urn, str) and urn in entities.by_urn:
            geo = entities.by_urn[urn]
            break
    if name is None and geo is not None:
        name = _text(geo.get("defaultLocalizedName")) or _text(
            geo.get("defaultLocalizedNameWithoutCountryName")
        )
    location = profile.get("location") if isinstance(profile.get("location"), dict) else {}
    country = _text(location.get("countryCode"))
    return name, country.lower() if country else None


def _position_entities(profile: dict, entities: _Entities) -> list[dict]:
    """Positions in profile order: groups -> each group's positions."""
    positions: list[dict] = []
    for group in entities.collection(profile, "profilePositionGroups"):
        positions.extend(entities.collection(group, "profilePositionInPositionGroup"))
    return positions


def _position(entity: dict, entities: _Entities) -> Position:
    company = entities.ref(entity, "company")
    company_urn = _text(entity.get("companyUrn")) or _text(entity.get("*company"))
    return Position(
        title=_text(entity.get("title")),
        company_name=(_text(company.get("name")) if company else None) or _text(entity.get("companyName")),
        company_urn=company_urn,
        location=_text(entity.get("locationName")) or _text(entity.get("geoLocationName")),
        date_range=_date_range(entity.get("dateRange")),
        description=_text(entity.get("description")),
    )


def _education(entity: dict, entities: _Entities) -> Education:
    school = entities.ref(entity, "school")
    return Education(
        school_name=(_text(school.get("name")) if school else None) or _text(entity.get("schoolName")),
        degree_name=_text(entity.get("degreeName")),
        field_of_study=_text(entity.get("fieldOfStudy")),
        date_range=_date_range(entity.get("dateRange")),
        description=_text(entity.get("description")),
    )


def _date_range(value: Any) -> dict | None:
    """`{"start": {"year", "month"} | None, "end": ... | None}`; month may be None; end None = current."""
    if not isinstance(value, dict):
        return None

    def point(p: Any) -> dict | None:
        if not isinstance(p, dict) or not isinstance(p.get("year"), int):
            return None
        month = p.get("month")
        return {"year": p["year"], "month": month if isinstance(month, int) else None}

    return {"start": point(value.get("start")), "end": point(value.get("end"))}


def _relationship(profile: dict, entities: _Entities, result: ParsedProfile) -> None:
    """Degree, distance and pending invitation from the MemberRelationship union (absent = unknown)."""
    rel = entities.ref(profile, "memberRelationship")
    union = None
    if rel is not None:
        union = rel.get("memberRelationshipUnion") or rel.get("memberRelationshipData")
    if not isinstance(union, dict):
        result.missing.append("connection_degree")
        return
    if "self" in union:
        result.connection_degree, result.distance, result.invitation_pending = 0, "SELF", False
    elif "connectedMember" in union or "connected" in union:
        result.connection_degree, result.distance, result.invitation_pending = 1, "DISTANCE_1", False
    elif isinstance(union.get("noConnection"), dict):
        no_conn = union["noConnection"]
        distance = _text(no_conn.get("memberDistance"))
        if distance not in _DISTANCES:
            result.warnings.append(f"unknown memberDistance {distance!r}")
        result.distance = distance
        result.connection_degree = _DISTANCES.get(distance or "")
        result.invitation_pending = _invitation_pending(no_conn, rel)
    else:
        result.warnings.append(f"unknown memberRelationship union {sorted(union)}")
        result.missing.append("connection_degree")


def _invitation_pending(no_connection: dict, relationship: dict) -> bool | None:
    """A sent invitation in the union means pending; `noInvitation` means none; absent = unknown."""
    for holder in (no_connection, relationship):
        union = holder.get("invitationUnion")
        if isinstance(union, dict):
            if "noInvitation" in union:
                return False
            for key in ("invitation", "*invitation", "sentInvitation"):
                if key in union:
                    invite = union[key]
                    state = invite.get("invitationState") if isinstance(invite, dict) else None
                    return state in (None, "PENDING")
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
