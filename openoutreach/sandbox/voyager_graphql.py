"""Voyager's second, GraphQL-shaped generation of a profile response, as linkedin-surface.md describes it.

LinkedIn's web app fetches profiles through `GET /voyager/api/graphql?variables=(vanityName:<id>)&
queryId=voyagerIdentityDashProfiles.<hash>` (or `(memberIdentity:<profile id>)`); the hash rotates.
What the sandbox serves in that generation (the doc's words, built from the REST response of
`voyager.py` so both carry the same person):
- envelope `data.data.identityDashProfilesByMemberIdentity.*elements` -> the profile URN, + `included`;
- every recipe name hashed (`com.linkedin.<md5>`), so no readable FullProfile recipe to choose by;
- the viewer's own Profile entity in `included` too (listed first);
- NO `*memberRelationship` on the Profile: the relationship is a MemberRelationship entity
  `urn:li:fsd_memberRelationship:<profile id>` whose union is under `memberRelationship` with the
  unused kinds null; `noConnection.invitation` holds `noInvitation` or, when pending, `*invitation`;
  a sibling `memberRelationshipDataResolutionResult` repeats the invitation part;
- for some people the top-card variant: only the current position (`companyName`, `*company`, no
  title), a minimal education, `location` with just `countryCode`.
The same shape is served on the REST path for a share of people (`served_as_graphql`), stable per person.
"""

from __future__ import annotations

import hashlib
import random

from openoutreach.sandbox.population import Person, Population
from openoutreach.sandbox.voyager import COLLECTION, T, profile_json

QUERY_PREFIX = "voyagerIdentityDashProfiles."
# The sandbox's current query id (a server setting; production reads its own from VOYAGER_GRAPHQL_QUERY_ID).
DEFAULT_QUERY_ID = (
    QUERY_PREFIX + hashlib.md5(b"openoutreach-sandbox-profiles-1", usedforsecurity=False).hexdigest()
)
DEFAULT_SHARE = 0.3  # share of people whose REST answer already has the GraphQL shape
COLLECTION_KEY = "identityDashProfilesByMemberIdentity"
RELATIONSHIP = T + "relationships.MemberRelationship"


def _roll(pop: Population, person: Person) -> random.Random:
    return random.Random(f"{pop.seed}:voyager-graphql:{person.index}")


def served_as_graphql(pop: Population, person: Person, share: float) -> bool:
    """Whether the REST path answers for this person in the GraphQL shape (stable per person)."""
    return _roll(pop, person).random() < share


def top_card(pop: Population, person: Person) -> bool:
    """Whether this person's GraphQL answer is the top-card variant (stable per person)."""
    rng = _roll(pop, person)
    rng.random()
    return rng.random() < 0.5


def hashed(recipe: str) -> str:
    return "com.linkedin." + hashlib.md5(recipe.encode(), usedforsecurity=False).hexdigest()


def graphql_json(
    pop: Population, person: Person, viewer: Person, relation: str, distance: str, invitation_id: int | None
) -> dict:
    """The GraphQL response for `person` viewed by `viewer` (arguments as `voyager.profile_json`)."""
    rest = profile_json(pop, person, viewer, relation, distance, invitation_id)
    included: list[dict] = rest["included"]
    by_urn = {e["entityUrn"]: e for e in included}
    member = by_urn[person.urn]
    member.pop("*memberRelationship", None)  # found by profile id in this generation
    relation_urn = f"urn:li:fsd_memberRelationship:{person.profile_id}"
    if relation_urn in by_urn:
        _graphql_relationship(by_urn[relation_urn])
    if top_card(pop, person):
        included = _top_card(member, by_urn, included)
    urns = {e["entityUrn"] for e in included}
    for entity in included:
        if "$recipeTypes" in entity:
            entity["$recipeTypes"] = [hashed(r) for r in entity["$recipeTypes"]]
        # absence is an absent key, never a reference to nothing (surface doc, "Variations")
        for key in [
            k for k, v in entity.items() if k.startswith("*") and isinstance(v, str) and v not in urns
        ]:
            entity.pop(key)
    envelope = {
        "$recipeTypes": [hashed("voyagerIdentityDashProfiles")],
        COLLECTION_KEY: {
            "$type": COLLECTION,
            "$recipeTypes": [hashed(COLLECTION)],
            "*elements": [person.urn],
            "paging": {"start": 0, "count": 10, "total": 1},
        },
    }
    return {"data": {"data": envelope}, "included": included, "meta": rest["meta"]}


def _graphql_relationship(entity: dict) -> None:
    """Rewrite a REST MemberRelationship entity into the GraphQL form, in place."""
    union = entity.pop("memberRelationshipUnion", None) or entity.pop("memberRelationshipData", None) or {}
    kinds: dict = {"self": None, "connection": None, "noConnection": None}
    resolution = None
    if "self" in union:
        kinds["self"] = union["self"]
    elif "connectedMember" in union or "connected" in union:
        kinds["connection"] = {"createdAt": (union.get("connected") or {}).get("createdAt")}
    elif "noConnection" in union:
        old = union["noConnection"].get("invitationUnion", {})
        if "invitation" in old:
            invitation = {"noInvitation": None, "*invitation": old["invitation"]["*invitation"]}
        else:
            invitation = {"noInvitation": old.get("noInvitation", {})}
        kinds["noConnection"] = {
            "memberDistance": union["noConnection"]["memberDistance"],
            "invitation": invitation,
        }
        resolution = dict(invitation)
    entity["memberRelationship"] = kinds
    entity["memberRelationshipDataResolutionResult"] = resolution


def _top_card(member: dict, by_urn: dict[str, dict], included: list[dict]) -> list[dict]:
    """Keep what a top card carries: the current position without its title, a minimal education, the
    country only; the entities nobody references any more are left out (absence, never dangling refs)."""
    current = _first(by_urn, member.get("*profileTopPosition"))
    education = _first(by_urn, member.get("*profileTopEducation"))
    for key in list(member):
        if key.startswith("*profile") or key in ("geoLocation", "*geo", "locationName"):
            member.pop(key)
    member["location"] = {"countryCode": member["location"]["countryCode"]}
    keep = [included[0], member]  # the viewer's (or, seen by oneself, another person's) profile first
    if current is not None:
        position = {
            k: current[k] for k in ("$type", "entityUrn", "$recipeTypes", "companyName") if k in current
        }
        company = by_urn.get(current.get("*company", ""))
        if company is not None:
            position["*company"] = company["entityUrn"]
            keep.append(company)
        keep.append(position)
        member["profileTopPosition"] = {"$type": COLLECTION, "*elements": [position["entityUrn"]]}
    if education is not None:
        school = by_urn.get(education.get("*school", ""))
        minimal = {k: education[k] for k in ("$type", "entityUrn", "$recipeTypes") if k in education}
        if school is not None:
            minimal["*school"] = school["entityUrn"]
            keep.append(school)
        else:
            minimal["schoolName"] = education.get("schoolName")
        keep.append(minimal)
        member["profileTopEducation"] = {"$type": COLLECTION, "*elements": [minimal["entityUrn"]]}
    industry = by_urn.get(member.get("*industry", ""))
    if industry is not None:
        keep.append(industry)
    for entity in included:  # the relationship and its invitation stay as they are
        if entity["$type"] == RELATIONSHIP or entity["$type"].endswith("invitation.Invitation"):
            keep.append(entity)
    kept = {e["entityUrn"] for e in keep}
    for key in [k for k, v in member.items() if k.startswith("*") and isinstance(v, str) and v not in kept]:
        member.pop(key)  # e.g. *followingState: its entity is not part of a top card
    return keep


def _first(by_urn: dict[str, dict], collection_urn: object) -> dict | None:
    collection = by_urn.get(collection_urn) if isinstance(collection_urn, str) else None
    urns = collection.get("*elements", []) if collection else []
    return by_urn.get(urns[0]) if urns else None
