"""Hand-made Voyager responses in the normalized shapes of the surface doc, for parser tests.

`full_response()` builds a realistic REST response (viewer's mini profile + the requested member with
positions, educations, geo, industry, relationship); `graphql_response()` the GraphQL generation's
top-card variant (hashed recipes, the viewer's own Profile beside the member's, the relationship as a
separate entity found by profile id). Tests then break one part at a time.
"""

from __future__ import annotations

import copy
import hashlib

P = "com.linkedin.voyager.dash.identity.profile."
COLLECTION = "com.linkedin.restli.common.CollectionResponse"
FULL_RECIPE = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities"
MEMBER_URN = "urn:li:fsd_profile:ACoAAJaneDoe"
VIEWER_URN = "urn:li:fsd_profile:ACoAAViewer"
RELATIONSHIP_URN = "urn:li:fsd_memberRelationship:ACoAAJaneDoe"
INVITATION_URN = "urn:li:fsd_invitation:7123456789"


def _coll(urn: str, elements: list[str]) -> dict:
    return {
        "entityUrn": urn,
        "$type": COLLECTION,
        "$recipeTypes": ["AnonCollection1"],
        "*elements": elements,
        "paging": {"total": len(elements)},
    }


def full_response() -> dict:
    member = {
        "entityUrn": MEMBER_URN,
        "$type": P + "Profile",
        "$recipeTypes": [FULL_RECIPE + "-91"],
        "firstName": "Jane",
        "lastName": "Doe",
        "headline": "Head of Data at Acme",
        "summary": "I build data teams.",
        "publicIdentifier": "jane-doe-42",
        "locationName": None,
        "geoLocation": {"*geo": "urn:li:fsd_geo:102380872", "geoUrn": "urn:li:fsd_geo:102380872"},
        "location": {"countryCode": "us", "$type": "com.linkedin.voyager.dash.common.ProfileLocation"},
        "*industry": "urn:li:fsd_industry:68",
        "*profilePositionGroups": "urn:li:collection:positions-anon-1",
        "*profileEducations": "urn:li:collection:educations-anon-1",
        "*memberRelationship": "urn:li:fsd_memberRelationship:ACoAAJaneDoe",
    }
    viewer = {
        "entityUrn": VIEWER_URN,
        "$type": P + "Profile",
        "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.MiniProfile"],
        "firstName": "Alice",
        "lastName": "Viewer",
        "publicIdentifier": "alice-viewer",
    }
    included = [
        viewer,
        {
            "entityUrn": "urn:li:fsd_geo:102380872",
            "$type": "com.linkedin.voyager.dash.common.Geo",
            "$recipeTypes": [],
            "defaultLocalizedName": "Cambridge, Massachusetts, United States",
            "defaultLocalizedNameWithoutCountryName": "Cambridge, Massachusetts",
        },
        {
            "entityUrn": "urn:li:fsd_industry:68",
            "$type": "com.linkedin.voyager.dash.common.Industry",
            "$recipeTypes": [],
            "name": "Higher Education",
        },
        _coll(
            "urn:li:collection:positions-anon-1",
            [
                "urn:li:fsd_profilePositionGroup:(ACoAAJaneDoe,1)",
                "urn:li:fsd_profilePositionGroup:(ACoAAJaneDoe,2)",
            ],
        ),
        {
            "entityUrn": "urn:li:fsd_profilePositionGroup:(ACoAAJaneDoe,1)",
            "$type": P + "PositionGroup",
            "$recipeTypes": [],
            "*profilePositionInPositionGroup": "urn:li:collection:group1",
        },
        {
            "entityUrn": "urn:li:fsd_profilePositionGroup:(ACoAAJaneDoe,2)",
            "$type": P + "PositionGroup",
            "$recipeTypes": [],
            "*profilePositionInPositionGroup": "urn:li:collection:group2",
        },
        _coll(
            "urn:li:collection:group1",
            ["urn:li:fsd_profilePosition:(ACoAAJaneDoe,11)", "urn:li:fsd_profilePosition:(ACoAAJaneDoe,12)"],
        ),
        _coll("urn:li:collection:group2", ["urn:li:fsd_profilePosition:(ACoAAJaneDoe,21)"]),
        {
            "entityUrn": "urn:li:fsd_profilePosition:(ACoAAJaneDoe,11)",
            "$type": P + "Position",
            "$recipeTypes": [],
            "title": "Head of Data",
            "companyName": "ACME inc (raw)",
            "*company": "urn:li:fsd_company:1001",
            "companyUrn": "urn:li:fsd_company:1001",
            "locationName": "Boston, MA",
            "description": "Leads 12 people.",
            "dateRange": {"start": {"year": 2021, "month": 4}, "end": None},
        },
        {
            "entityUrn": "urn:li:fsd_profilePosition:(ACoAAJaneDoe,12)",
            "$type": P + "Position",
            "$recipeTypes": [],
            "title": "Data Scientist",
            "companyName": "Acme",
            "*company": "urn:li:fsd_company:1001",
            "geoLocationName": "Cambridge, MA",
            "dateRange": {"start": {"year": 2018, "month": 1}, "end": {"year": 2021, "month": 3}},
        },
        {
            "entityUrn": "urn:li:fsd_profilePosition:(ACoAAJaneDoe,21)",
            "$type": P + "Position",
            "$recipeTypes": [],
            "title": "Analyst",
            "companyName": "Initech",
            "*company": "urn:li:fsd_company:2002",
            "dateRange": {"start": {"year": 2015}, "end": {"year": 2017}},
        },
        {
            "entityUrn": "urn:li:fsd_company:1001",
            "$type": "com.linkedin.voyager.dash.organization.Company",
            "$recipeTypes": [],
            "name": "Acme",
        },
        {
            "entityUrn": "urn:li:fsd_company:2002",
            "$type": "com.linkedin.voyager.dash.organization.Company",
            "$recipeTypes": [],
            "name": "Initech",
        },
        _coll("urn:li:collection:educations-anon-1", ["urn:li:fsd_profileEducation:(ACoAAJaneDoe,31)"]),
        {
            "entityUrn": "urn:li:fsd_profileEducation:(ACoAAJaneDoe,31)",
            "$type": P + "Education",
            "$recipeTypes": [],
            "*school": "urn:li:fsd_school:501",
            "schoolName": "MIT (raw)",
            "degreeName": "MSc",
            "fieldOfStudy": "Statistics",
            "dateRange": {"start": {"year": 2013}, "end": {"year": 2015}},
        },
        {
            "entityUrn": "urn:li:fsd_school:501",
            "$type": "com.linkedin.voyager.dash.organization.School",
            "$recipeTypes": [],
            "name": "Massachusetts Institute of Technology",
        },
        {
            "entityUrn": "urn:li:fsd_memberRelationship:ACoAAJaneDoe",
            "$type": "com.linkedin.voyager.dash.relationships.MemberRelationship",
            "$recipeTypes": [],
            "memberRelationshipUnion": {
                "noConnection": {"memberDistance": "DISTANCE_2", "invitationUnion": {"noInvitation": {}}}
            },
        },
        # Things the parser does not use and must ignore.
        {
            "entityUrn": "urn:li:fsd_skill:(ACoAAJaneDoe,1)",
            "$type": P + "Skill",
            "$recipeTypes": [],
            "name": "SQL",
        },
        {"entityUrn": "urn:li:fsd_language:1", "$type": P + "Language", "name": "English"},
        {"no": "entityUrn here"},
        "not even an object",
    ]
    included.insert(0, member)
    return {
        "data": {"$type": COLLECTION, "*elements": [MEMBER_URN], "paging": {"total": 1}},
        "included": included,
    }


def entity(response: dict, urn: str) -> dict:
    """The entity with `urn` in a response (to mutate it in a test)."""
    for e in response["included"]:
        if isinstance(e, dict) and e.get("entityUrn") == urn:
            return e
    raise KeyError(urn)


def without(response: dict, urn: str) -> dict:
    """A copy of `response` with the entity `urn` removed from `included`."""
    copied = copy.deepcopy(response)
    copied["included"] = [
        e for e in copied["included"] if not (isinstance(e, dict) and e.get("entityUrn") == urn)
    ]
    return copied


def member(response: dict) -> dict:
    return entity(response, MEMBER_URN)


def relationship(response: dict) -> dict:
    return entity(response, "urn:li:fsd_memberRelationship:ACoAAJaneDoe")


def hashed(name: str) -> str:
    """A GraphQL-generation recipe name: `com.linkedin.<md5>` (the readable name is gone)."""
    return "com.linkedin." + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


def graphql_invitation(pending: bool) -> dict:
    """`noConnection.invitation` as the doc shows it: `*invitation` when pending, else `noInvitation`."""
    if pending:
        return {"noInvitation": None, "*invitation": INVITATION_URN}
    return {"noInvitation": {"inviterCanInvite": True}}


def graphql_response(*, distance: str = "DISTANCE_3", pending: bool = False) -> dict:
    """A GraphQL profile response (top-card variant) for jane-doe-42 seen by alice-viewer."""
    member = {
        "entityUrn": MEMBER_URN,
        "$type": P + "Profile",
        "$recipeTypes": [hashed("profile-top-card")],
        "firstName": "Jane",
        "lastName": "Doe",
        "headline": "Head of Data at Acme",
        "publicIdentifier": "jane-doe-42",
        "location": {"countryCode": "us"},
        "profileTopPosition": {
            "$type": COLLECTION,
            "*elements": ["urn:li:fsd_profilePosition:(ACoAAJaneDoe,11)"],
        },
        "profileTopEducation": {
            "$type": COLLECTION,
            "*elements": ["urn:li:fsd_profileEducation:(ACoAAJaneDoe,31)"],
        },
    }
    viewer = {
        "entityUrn": VIEWER_URN,
        "$type": P + "Profile",
        "$recipeTypes": [hashed("profile-self")],
        "firstName": "Alice",
        "lastName": "Viewer",
        "headline": "Founder",
        "publicIdentifier": "alice-viewer",
        "location": {"countryCode": "de"},
    }
    invitation = graphql_invitation(pending)
    relationship = {
        "entityUrn": RELATIONSHIP_URN,
        "$type": "com.linkedin.voyager.dash.relationships.MemberRelationship",
        "$recipeTypes": [hashed("member-relationship")],
        "memberRelationship": {
            "self": None,
            "connection": None,
            "noConnection": {"memberDistance": distance, "invitation": copy.deepcopy(invitation)},
        },
        "memberRelationshipDataResolutionResult": copy.deepcopy(invitation),
    }
    included = [
        viewer,  # the viewer's own Profile comes first: "take the first Profile" is wrong
        member,
        {
            "entityUrn": "urn:li:fsd_profilePosition:(ACoAAJaneDoe,11)",
            "$type": P + "Position",
            "$recipeTypes": [hashed("top-position")],
            "companyName": "ACME inc (raw)",
            "*company": "urn:li:fsd_company:1001",
        },
        {
            "entityUrn": "urn:li:fsd_company:1001",
            "$type": "com.linkedin.voyager.dash.organization.Company",
            "$recipeTypes": [hashed("company")],
            "name": "Acme",
        },
        {
            "entityUrn": "urn:li:fsd_profileEducation:(ACoAAJaneDoe,31)",
            "$type": P + "Education",
            "$recipeTypes": [hashed("top-education")],
            "*school": "urn:li:fsd_school:501",
        },
        {
            "entityUrn": "urn:li:fsd_school:501",
            "$type": "com.linkedin.voyager.dash.organization.School",
            "$recipeTypes": [hashed("school")],
            "name": "Massachusetts Institute of Technology",
        },
        relationship,
    ]
    if pending:
        included.append(
            {
                "entityUrn": INVITATION_URN,
                "$type": "com.linkedin.voyager.dash.relationships.invitation.Invitation",
                "$recipeTypes": [hashed("invitation")],
            }
        )
    return {
        "data": {
            "data": {
                "$recipeTypes": [hashed("envelope")],
                "identityDashProfilesByMemberIdentity": {
                    "$type": COLLECTION,
                    "$recipeTypes": [hashed("collection")],
                    "*elements": [MEMBER_URN],
                },
            },
        },
        "included": included,
    }
