"""The viewer's relationship to the member (degree, distance, pending invitation), in either generation.

Where it lives (surface doc, "Voyager API"):
- REST: the profile's `*memberRelationship` -> a MemberRelationship entity whose union sits under
  `memberRelationshipUnion` (older: `memberRelationshipData`), the invitation under
  `noConnection.invitationUnion`;
- GraphQL: NO reference on the profile; the MemberRelationship entity is found by the profile's id
  (`urn:li:fsd_memberRelationship:<profile id>`), its union sits under `memberRelationship` with the
  unused kinds present as nulls, the invitation under `noConnection.invitation` (`*invitation` =
  pending, `noInvitation` = none), repeated by a sibling `memberRelationshipDataResolutionResult`.
Every placement is read; what none of them states stays unknown (None plus a `missing` entry), and
placements that contradict each other are reported and left unknown rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openoutreach.linkedin.voyager.entities import Entities, profile_id, text

# memberDistance values -> connection degree (None: outside the network, degree unknown).
DISTANCES = {"SELF": 0, "DISTANCE_1": 1, "DISTANCE_2": 2, "DISTANCE_3": 3, "OUT_OF_NETWORK": None}
UNION_KEYS = ("memberRelationshipUnion", "memberRelationship", "memberRelationshipData")
CONNECTED_KINDS = ("connection", "connected", "connectedMember")
KINDS = ("self", *CONNECTED_KINDS, "noConnection")
_INVITATION_KEYS = ("invitation", "invitationUnion", "sentInvitation")
_MAX_DEPTH = 6  # invitation unions nest two or three levels; deeper is not a shape we know


@dataclass
class Relationship:
    degree: int | None = None
    distance: str | None = None
    invitation_pending: bool | None = None
    missing: list[str] = field(default_factory=list)


def read_relationship(profile: dict, entities: Entities, warnings: list[str]) -> Relationship:
    """Degree, distance and pending invitation from every placement the two generations use."""
    result = Relationship()
    holders = _holders(profile, entities)
    unions = [u for u in (_union_of(h) for h in holders) if u is not None]
    # a union that states something wins over an all-null one found first
    union = next(
        (u for u in unions if any(u.get(k) is not None for k in KINDS)), unions[0] if unions else None
    )
    kinds = [k for k in KINDS if union is not None and union.get(k) is not None]
    if len(kinds) > 1:
        warnings.append(f"memberRelationship union holds several kinds {kinds}; relationship unknown")
        kinds = []
    kind = kinds[0] if kinds else None
    if kind == "self":
        result.degree, result.distance, result.invitation_pending = 0, "SELF", False
        return result
    if kind in CONNECTED_KINDS:
        result.degree, result.distance, result.invitation_pending = 1, "DISTANCE_1", False
        return result
    if union is not None and kind is None and not _silent(union):
        warnings.append(f"unknown memberRelationship union {sorted(str(k) for k in union)}")
    no_connection = union.get("noConnection") if kind == "noConnection" and union else None
    if isinstance(no_connection, dict):
        distance = text(no_connection.get("memberDistance"))
        if distance is not None and distance not in DISTANCES:
            warnings.append(f"unknown memberDistance {distance!r}")
            distance = None  # a value we do not know is no distance to decide on
        result.distance = distance
        result.degree = DISTANCES.get(distance or "")
    if result.distance is None:
        result.missing.append("connection_degree")
    result.invitation_pending = _pending(no_connection, holders, entities, warnings)
    if result.invitation_pending is None:
        result.missing.append("invitation_pending")
    return result


def _silent(union: dict) -> bool:
    """A union whose every known kind is null (or that is empty): nothing to report as unknown."""
    keys = {k for k in union if not str(k).startswith("$")}  # `$type` and the like are not kinds
    return all(union.get(k) is None for k in keys if k in KINDS) and not (keys - set(KINDS))


def _holders(profile: dict, entities: Entities) -> list[dict]:
    """MemberRelationship entities (or inlined unions) that belong to this profile, nearest first."""
    found: list[dict] = []
    ref = profile.get("*memberRelationship")
    if isinstance(ref, str):
        entity = entities.get(ref, "memberRelationship")
        if entity is not None:
            found.append(entity)
    inline = profile.get("memberRelationship")
    if isinstance(inline, dict):
        found.append(inline)
    pid = profile_id(profile)
    if pid is not None:
        by_id = entities.by_urn.get(f"urn:li:fsd_memberRelationship:{pid}")
        if by_id is not None:
            found.append(by_id)
    unique: list[dict] = []
    for holder in found:
        if not any(holder is seen for seen in unique):
            unique.append(holder)
    return unique


def _union_of(holder: dict) -> dict | None:
    """The relationship union of a holder: the holder itself, or the first of its union keys that has
    a non-null kind (null siblings are normal in GraphQL); an all-null union when nothing else."""
    if any(holder.get(k) is not None for k in KINDS):
        return holder
    fallback = None
    for key in UNION_KEYS:
        union = holder.get(key)
        if isinstance(union, dict):
            if any(union.get(k) is not None for k in KINDS):
                return union
            if not _is_invitation_union(union):
                fallback = fallback or union
    return fallback


def _is_invitation_union(value: dict) -> bool:
    return any(k in value for k in ("noInvitation", "*invitation", *_INVITATION_KEYS))


def _pending(no_connection: Any, holders: list[dict], entities: Entities, warnings: list[str]) -> bool | None:
    """Whether an invitation is pending, from every place that states it; None when none does or
    when they disagree (reported)."""
    answers: set[bool] = set()
    if isinstance(no_connection, dict):
        answers |= _invitation_answers(no_connection, entities, 0)
    for holder in holders:
        answers |= _invitation_answers(holder.get("invitationUnion"), entities, 0)
        data = holder.get("memberRelationshipData")  # GraphQL may keep just the invitation part here
        if isinstance(data, dict) and _is_invitation_union(data):
            answers |= _invitation_answers(data, entities, 0)
        # "repeats the invitation part": whatever its nesting, everything in it is about the invitation
        answers |= _invitation_answers(
            holder.get("memberRelationshipDataResolutionResult"), entities, 0, True
        )
    if len(answers) > 1:
        warnings.append("the invitation placements disagree (pending and not); invitation state unknown")
        return None
    return answers.pop() if answers else None


def _invitation_answers(value: Any, entities: Entities, depth: int, any_key: bool = False) -> set[bool]:
    """{True} pending, {False} none, both when the union contradicts itself, empty when silent.

    A `*invitation` reference means pending (surface doc), whatever the linked entity carries; an
    inline `invitationState` other than PENDING means none. `any_key` follows every nested object
    (for a part that is all about the invitation), else only the invitation keys."""
    if not isinstance(value, dict) or depth > _MAX_DEPTH:
        return set()
    answers: set[bool] = set()
    state = text(value.get("invitationState"))
    if state is not None:
        answers.add(state == "PENDING")
    if text(value.get("*invitation")) is not None:
        answers.add(True)
    if value.get("noInvitation") is not None:
        answers.add(False)
    for key, nested in value.items():
        if not (any_key or key in _INVITATION_KEYS):
            continue
        if isinstance(nested, dict):
            inner = _invitation_answers(nested, entities, depth + 1, any_key)
            if not inner and key == "sentInvitation" and nested:
                inner = {True}
            answers |= inner
        elif key == "sentInvitation" and isinstance(nested, str) and nested:
            answers.add(True)
    return answers
