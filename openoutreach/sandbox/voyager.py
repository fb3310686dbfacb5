"""Voyager's normalized JSON for one profile, as seen by one account.

Shape per linkedin-surface.md: `{"data": CollectionResponse(*elements=[profile urn]), "included": [...]}`
where every entity has `entityUrn`, `$type` and `$recipeTypes`, and `*`-keys hold URN references.
Every variation the surface doc lists is served somewhere in the population, chosen per person by a
seeded RNG so it is stable between fetches (see `quirks`):
- geo as `geoLocation.*geo`, `geoLocation.geoUrn` or `*geo` directly on the profile;
- `location.countryCode` usually lower case, sometimes upper; `locationName` sometimes null;
- `memberRelationshipUnion` or the older `memberRelationshipData`; `*memberRelationship` missing or
  pointing at nothing; `self`, `connectedMember`, `noConnection` (+ `noInvitation` / `invitation`);
- position groups -> positions, with the company entity sometimes missing and `companyName` raw text
  that differs from the clean `Company.name`; dates without a month; null `end` for current roles;
- no `$recipeTypes` anywhere for some people;
- decoys: the viewer's own mini profile (listed first), other people's mini profiles, skills,
  languages, certifications, following state, and what `voyager_decoys` adds (projects, courses,
  honors, publications, volunteering, picture artifacts, localized names);
- per-request ids: collection URNs, an `Anon...` recipe and paging numbers change on every fetch.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from openoutreach.sandbox import pools, voyager_decoys
from openoutreach.sandbox.population import Person, Population

T = "com.linkedin.voyager.dash."
PROFILE = T + "identity.profile.Profile"
FULL_RECIPE = T + "deco.identity.profile.FullProfileWithEntities"
COLLECTION = "com.linkedin.restli.common.CollectionResponse"
DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"


@dataclass(frozen=True)
class Quirks:
    geo_style: str  # "geoLocation.*geo" | "geoLocation.geoUrn" | "*geo"
    upper_country: bool
    null_location_name: bool
    legacy_relationship: bool  # memberRelationshipData instead of memberRelationshipUnion
    relationship: str  # "present" | "missing" | "dangling"
    no_recipes: bool
    missing_company: bool  # Company entities of this person's positions are not included
    raw_company_suffix: str  # appended to companyName (raw text), e.g. ", Inc."
    decoy_profiles: int


def quirks(pop: Population, person: Person) -> Quirks:
    rng = random.Random(f"{pop.seed}:voyager:{person.index}")
    geo_roll, rel_roll = rng.random(), rng.random()
    return Quirks(
        geo_style="geoLocation.*geo"
        if geo_roll < 0.6
        else "geoLocation.geoUrn"
        if geo_roll < 0.8
        else "*geo",
        upper_country=rng.random() < 0.1,
        null_location_name=rng.random() < 0.25,
        legacy_relationship=rng.random() < 0.2,
        relationship="missing" if rel_roll < 0.05 else "dangling" if rel_roll < 0.08 else "present",
        no_recipes=rng.random() < 0.05,
        missing_company=rng.random() < 0.15,
        raw_company_suffix=rng.choice(["", "", "", ", Inc.", " (acquired)", " · Full-time"]),
        decoy_profiles=rng.choice((0, 1, 1, 2, 3)),
    )


def _date(ym: tuple[int, int | None] | None) -> dict | None:
    if ym is None:
        return None
    year, month = ym
    return {"year": year} if month is None else {"year": year, "month": month}


class _Builder:
    def __init__(self, pop: Population) -> None:
        self.pop = pop
        self.included: list[dict] = []
        self.urns: set[str] = set()
        self.request_id = secrets.token_hex(6)
        self.n = 0

    def add(self, type_: str, urn: str, recipes: list[str], **fields) -> str:
        if urn not in self.urns:
            self.urns.add(urn)
            self.included.append({"$type": type_, "entityUrn": urn, "$recipeTypes": recipes, **fields})
        return urn

    def collection(self, elements: list[str], recipe: str) -> str:
        """A per-request collection: its URN, Anon recipe and paging differ on every fetch."""
        self.n += 1
        urn = f"urn:li:collectionResponse:{self.request_id}{self.n:02d}{secrets.token_hex(3)}"
        total = len(elements)
        return self.add(
            COLLECTION,
            urn,
            [recipe, f"com.linkedin.restli.common.CollectionResponse.Anon{secrets.token_hex(4)}"],
            **{
                "*elements": elements,
                "paging": {"start": 0, "count": secrets.choice((25, 50, 100)), "total": total},
            },
        )

    def mini_profile(self, p: Person) -> str:
        return self.add(
            PROFILE,
            p.urn,
            [T + "deco.identity.profile.MiniProfile", T + "deco.identity.profile.ProfileWithIweWarned"],
            firstName=p.first_name,
            lastName=p.last_name,
            headline=p.headline,
            publicIdentifier=p.public_id,
            objectUrn=f"urn:li:member:{p.member_id}",
            trackingId=secrets.token_urlsafe(12),
        )


def profile_json(
    pop: Population, person: Person, viewer: Person, relation: str, distance: str, invitation_id: int | None
) -> dict:
    """The full Voyager response for `person` viewed by `viewer`.

    `relation` is World.degree() ("self", "connected", "pending" or a distance); `distance` is the
    network distance used for a pending invitation's `noConnection`."""
    q = quirks(pop, person)
    b = _Builder(pop)
    # another Profile entity comes first, so "take the first Profile" is wrong: the viewer's own mini
    # profile, or (viewing yourself) someone else's
    b.mini_profile(viewer if viewer.index != person.index else pop.people[(person.index + 1) % pop.size])
    details = pop.details(person)
    pid = person.profile_id
    country_name = pools.COUNTRIES[person.country][0]

    geo_urn = f"urn:li:fsd_geo:{person.geo_id}"
    b.add(
        T + "common.Geo",
        geo_urn,
        [T + "deco.common.geo.GeoWithCountry"],
        defaultLocalizedName=pop.location_name(person),
        defaultLocalizedNameWithoutCountryName=f"{person.city}, {person.region}",
        countryUrn=f"urn:li:fsd_geo:{100_000 + list(pools.COUNTRIES).index(person.country)}",
    )
    company = pop.company_of(person)
    industry_urn = f"urn:li:fsd_industry:{list(pools.INDUSTRY_WEIGHTS).index(company.industry) + 4}"
    b.add(T + "common.Industry", industry_urn, [T + "deco.common.Industry"], name=company.industry)

    # positions, grouped by consecutive employer as LinkedIn does
    groups: list[list[int]] = []
    for i, pos in enumerate(details.positions):
        if groups and pos.company is not None and details.positions[groups[-1][0]].company == pos.company:
            groups[-1].append(i)
        else:
            groups.append([i])
    group_urns = []
    for g, members in enumerate(groups):
        position_urns = []
        for i in members:
            pos = details.positions[i]
            fields: dict = {
                "title": pos.title,
                "companyName": pos.company_name + (q.raw_company_suffix if pos.company is not None else ""),
                "locationName": pos.location if i % 2 == 0 else None,
                "geoLocationName": pos.location,
                "description": pos.description,
                "dateRange": {"start": _date(pos.start), "end": _date(pos.end)},
            }
            if pos.company is not None:
                c = pop.companies[pos.company]
                company_urn = f"urn:li:fsd_company:{c.company_id}"
                fields["companyUrn"] = company_urn
                fields["*company"] = company_urn
                if not q.missing_company:
                    b.add(
                        T + "organization.Company",
                        company_urn,
                        [T + "deco.organization.MiniCompany"],
                        name=c.name,
                        universalName=c.name.lower().replace(" ", "-"),
                        url=f"https://www.linkedin.com/company/{c.company_id}/",
                    )
            position_urns.append(
                b.add(
                    T + "identity.profile.Position",
                    f"urn:li:fsd_profilePosition:({pid},{900 + i})",
                    [T + "deco.identity.profile.FullProfilePosition"],
                    **fields,
                )
            )
        first, last = details.positions[members[-1]], details.positions[members[0]]
        group_fields: dict = {
            "companyName": first.company_name,
            "dateRange": {"start": _date(first.start), "end": _date(last.end)},
            "*profilePositionInPositionGroup": b.collection(
                position_urns, T + "deco.identity.profile.PositionInGroup"
            ),
        }
        if first.company is not None:
            group_fields["*company"] = f"urn:li:fsd_company:{pop.companies[first.company].company_id}"
        group_urns.append(
            b.add(
                T + "identity.profile.PositionGroup",
                f"urn:li:fsd_profilePositionGroup:({pid},{700 + g})",
                [T + "deco.identity.profile.FullProfilePositionGroup"],
                **group_fields,
            )
        )

    education_urns = []
    for i, edu in enumerate(details.educations):
        school_urn = f"urn:li:fsd_school:{edu.school_id}"
        b.add(T + "organization.School", school_urn, [T + "deco.organization.MiniSchool"], name=edu.school)
        education_urns.append(
            b.add(
                T + "identity.profile.Education",
                f"urn:li:fsd_profileEducation:({pid},{300 + i})",
                [T + "deco.identity.profile.FullProfileEducation"],
                schoolName=edu.school,
                **{"*school": school_urn},
                degreeName=edu.degree,
                fieldOfStudy=edu.field_of_study,
                description=None,
                dateRange={"start": {"year": edu.start}, "end": _date((edu.end, None)) if edu.end else None},
            )
        )

    skill_urns = [
        b.add(
            T + "identity.profile.Skill",
            f"urn:li:fsd_skill:({pid},{i + 1})",
            [T + "deco.identity.profile.Skill"],
            name=skill,
        )
        for i, skill in enumerate(details.skills)
    ]
    language_urns = [
        b.add(
            T + "identity.profile.Language",
            f"urn:li:fsd_language:({pid},{i + 1})",
            [T + "deco.identity.profile.Language"],
            name=lang,
            proficiency="NATIVE_OR_BILINGUAL" if i else "FULL_PROFESSIONAL",
        )
        for i, lang in enumerate(details.languages)
    ]
    cert_urn = b.add(
        T + "identity.profile.Certification",
        f"urn:li:fsd_profileCertification:({pid},1)",
        [T + "deco.identity.profile.Certification"],
        name=f"{details.skills[0]} Certified",
        authority="Sandbox Academy",
    )
    follow_urn = b.add(
        T + "feed.FollowingState",
        f"urn:li:fsd_followingState:urn:li:fsd_profile:{pid}",
        [T + "deco.feed.FollowingState"],
        following=relation == "connected",
        followerCount=137 + person.index,
    )

    relation_urn = f"urn:li:fsd_memberRelationship:{pid}"
    if q.relationship == "present":
        _relationship(b, relation_urn, relation, distance, q.legacy_relationship, person, invitation_id)

    all_positions = [e["entityUrn"] for e in b.included if e["$type"].endswith("profile.Position")]
    profile: dict = {
        **voyager_decoys.extras(b, person, pop.seed, all_positions, education_urns),
        **voyager_decoys.localized(person),
        "profilePicture": voyager_decoys.picture(person),
        "firstName": person.first_name,
        "lastName": person.last_name,
        "headline": person.headline,
        "summary": details.summary,
        "publicIdentifier": person.public_id,
        "objectUrn": f"urn:li:member:{person.member_id}",
        "locationName": None if q.null_location_name else f"{person.city}, {country_name}",
        "location": {
            "countryCode": person.country.upper() if q.upper_country else person.country,
            "postalCode": None,
        },
        "premium": person.index % 11 == 0,
        "influencer": person.connect_style == "overflow" and person.seniority in ("vp", "cxo"),
        "trackingId": secrets.token_urlsafe(12),
        "*industry": industry_urn,
        "*profilePositionGroups": b.collection(
            group_urns, T + "deco.identity.profile.PositionGroupCollection"
        ),
        "*profileEducations": b.collection(education_urns, T + "deco.identity.profile.EducationCollection"),
        "*profileSkills": b.collection(skill_urns, T + "deco.identity.profile.SkillCollection"),
        "*profileLanguages": b.collection(language_urns, T + "deco.identity.profile.LanguageCollection"),
        "*profileCertifications": b.collection(
            [cert_urn], T + "deco.identity.profile.CertificationCollection"
        ),
        "*followingState": follow_urn,
    }
    if q.geo_style == "*geo":
        profile["*geo"] = geo_urn
    elif q.geo_style == "geoLocation.geoUrn":
        profile["geoLocation"] = {"geoUrn": geo_urn}
    else:
        profile["geoLocation"] = {"*geo": geo_urn}
    if q.relationship != "missing":
        profile["*memberRelationship"] = relation_urn
    b.add(PROFILE, person.urn, [FULL_RECIPE, T + "deco.identity.profile.FullProfile"], **profile)

    # other people's mini profiles ("people also viewed"): more Profile entities to choose wrongly from
    rng = random.Random(f"{pop.seed}:decoys:{person.index}")
    for _ in range(q.decoy_profiles):
        other = pop.people[rng.randrange(pop.size)]
        if other.index != person.index:
            b.mini_profile(other)

    included = b.included
    if q.no_recipes:
        for entity in included:
            entity.pop("$recipeTypes", None)
    data = {
        "$type": COLLECTION,
        "*elements": [person.urn],
        "paging": {"start": 0, "count": 10, "total": 1},
        "entityUrn": f"urn:li:collectionResponse:{b.request_id}",
    }
    return {"data": data, "included": included, "meta": {"microSchema": {"version": "2.1"}}}


def _relationship(
    b: _Builder,
    urn: str,
    relation: str,
    distance: str,
    legacy: bool,
    person: Person,
    invitation_id: int | None,
) -> None:
    if relation == "self":
        union: dict = {"self": {"selfProfileUrn": person.urn}}
    elif relation == "connected":
        if legacy:
            union = {"connected": {"createdAt": 1_600_000_000_000 + person.member_id}}
        else:
            union = {"connectedMember": f"urn:li:fsd_connection:{person.profile_id}"}
    else:
        distance = distance if relation == "pending" else relation
        if relation == "pending":
            inv_urn = f"urn:li:fsd_invitation:{7_000_000 + (invitation_id or 0)}"
            b.add(
                T + "relationships.invitation.Invitation",
                inv_urn,
                [T + "deco.relationships.invitation.Invitation"],
                invitationState="PENDING",
                genericInvitationType="CONNECTION",
                sentTime=None,
            )
            invitation = {"invitation": {"invitationState": "PENDING", "*invitation": inv_urn}}
        else:
            invitation = {"noInvitation": {"inviterCanInvite": True}}
        union = {"noConnection": {"memberDistance": distance, "invitationUnion": invitation}}
    key = "memberRelationshipData" if legacy else "memberRelationshipUnion"
    b.add(
        T + "relationships.MemberRelationship",
        urn,
        [T + "deco.relationships.MemberRelationship"],
        **{key: union},
    )
