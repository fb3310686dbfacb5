"""The `included` list of a normalized Voyager response as a map `entityUrn -> entity`.

Both generations (REST and GraphQL) share the normalized form: keys that start with `*` hold URN
references into `included`; collections are either entities of their own (`*profileEducations` ->
a CollectionResponse entity) or inlined objects carrying `*elements` (or `elements`). A reference to
nothing is dropped with a warning, never an error (surface doc: a parser must survive it).
"""

from __future__ import annotations

from typing import Any

PROFILE_TYPE = "com.linkedin.voyager.dash.identity.profile.Profile"
PROFILE_URN_PREFIX = "urn:li:fsd_profile:"


class Entities:
    """`entityUrn -> entity` over `included`, resolving `*key` references and collections."""

    def __init__(self, data: dict, warnings: list[str]) -> None:
        self.warnings = warnings
        self.by_urn: dict[str, dict] = {}
        self.order: list[dict] = []  # included order, for scans that must be stable
        included = data.get("included")
        if included is None:
            warnings.append("response has no 'included' list")
            included = []
        elif not isinstance(included, list):
            warnings.append(f"'included' is a {type(included).__name__}, not a list")
            included = []
        for entity in included:
            if isinstance(entity, dict) and isinstance(entity.get("entityUrn"), str):
                if entity["entityUrn"] not in self.by_urn:
                    self.order.append(entity)
                self.by_urn[entity["entityUrn"]] = entity

    def profiles(self) -> list[dict]:
        """Every Profile entity (the member's, the viewer's, other people's mini profiles)."""
        return [e for e in self.order if is_profile(e)]

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
        """The resolved elements of the collection at `owner["*key"]`, or inlined at `owner[key]`
        (whose elements are either inlined objects or `*elements` URNs)."""
        coll = self.ref(owner, key)
        if coll is None:
            return []
        inline = coll.get("elements")
        if isinstance(inline, list):
            return [e for e in inline if isinstance(e, dict)]
        return self.resolve_all(coll.get("*elements"), key)

    def resolve_all(self, urns: Any, context: str) -> list[dict]:
        if not isinstance(urns, list):
            return []
        return [e for e in (self.get(u, context) for u in urns) if e is not None]


def is_profile(entity: dict) -> bool:
    """A Profile entity; some captures have no `$type`, then the fsd_profile URN says it."""
    kind = entity.get("$type")
    if kind is None:
        urn = entity.get("entityUrn")
        return isinstance(urn, str) and urn.startswith(PROFILE_URN_PREFIX)
    return kind == PROFILE_TYPE


def profile_id(profile: dict) -> str | None:
    """`ACoAA...` from `urn:li:fsd_profile:ACoAA...` (the key of the member's other entities)."""
    urn = profile.get("entityUrn")
    if isinstance(urn, str) and urn.startswith(PROFILE_URN_PREFIX) and len(urn) > len(PROFILE_URN_PREFIX):
        return urn[len(PROFILE_URN_PREFIX) :]
    return None


def text(value: Any) -> str | None:
    """A non-empty stripped string, or None for anything else (wrong types are ignored, not errors)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def strings(value: Any) -> list[str]:
    """The strings of a list (recipe names); never `str()` of arbitrary JSON (deep nesting recurses)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
