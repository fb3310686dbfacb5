"""The parser reads the GraphQL generation: the member among the viewer's own profile, the relationship
wherever either generation puts it, and the top-card variant's sparse positions and location."""

from __future__ import annotations

import copy

import pytest

from openoutreach.linkedin.actions.profile import status_from_profile
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.voyager import parse_profile

REL_TYPE = "com.linkedin.voyager.dash.relationships.MemberRelationship"


def test_without_an_id_the_envelope_names_the_member_not_the_viewer(samples):
    p = parse_profile(samples.graphql_response())

    assert (p.full_name, p.urn, p.public_identifier) == ("Jane Doe", samples.MEMBER_URN, "jane-doe-42")
    assert p.source_shape == "graphql"
    assert (p.connection_degree, p.distance, p.invitation_pending) == (3, "DISTANCE_3", False)
    assert p.warnings == []


def test_the_same_person_before_and_after_an_invitation(samples):
    before = parse_profile(samples.graphql_response(), "jane-doe-42")
    after = parse_profile(samples.graphql_response(pending=True), "jane-doe-42")

    assert (before.distance, before.invitation_pending) == ("DISTANCE_3", False)
    assert (after.distance, after.invitation_pending) == ("DISTANCE_3", True)
    assert status_from_profile(before) is ConnectionStatus.NOT_CONNECTED
    assert status_from_profile(after) is ConnectionStatus.PENDING
    assert "connection_degree" not in after.missing and "invitation_pending" not in after.missing


@pytest.mark.parametrize(
    "requested",
    ["jane-doe-42", "JANE-DOE-42", "urn:li:fsd_profile:ACoAAJaneDoe", "ACoAAJaneDoe"],
)
def test_the_member_is_chosen_by_public_id_or_profile_urn(samples, requested):
    p = parse_profile(samples.graphql_response(), requested)

    assert p.urn == samples.MEMBER_URN and p.public_identifier == "jane-doe-42"
    assert p.warnings == []


def test_the_viewer_is_read_only_when_asked_for(samples):
    p = parse_profile(samples.graphql_response(), "alice-viewer")

    assert p.full_name == "Alice Viewer" and p.country_code == "de"
    # the member's relationship entity is keyed by the member's id: the viewer gets none of it
    assert p.connection_degree is None and "connection_degree" in p.missing


def test_two_profiles_and_nothing_to_tell_them_apart_is_no_profile(samples):
    data = samples.graphql_response()
    data["data"] = {"data": {}}

    p = parse_profile(data)

    assert not p.found and "profile" in p.missing
    assert any("cannot tell which of 2 Profile entities" in w for w in p.warnings)


def test_an_unmatched_id_never_falls_back_to_the_only_profile_left(samples):
    data = samples.without(samples.graphql_response(), samples.MEMBER_URN)  # only the viewer is left
    data["data"] = {"data": {}}

    p = parse_profile(data, "jane-doe-42")

    assert not p.found and p.full_name is None


def test_any_graphql_collection_key_names_the_member(samples):
    data = samples.graphql_response()
    inner = data["data"]["data"]
    inner["identityDashProfilesByMemberIdentityV2"] = inner.pop("identityDashProfilesByMemberIdentity")

    assert parse_profile(data).full_name == "Jane Doe"


def test_top_card_variant_positions_education_and_location(samples):
    p = parse_profile(samples.graphql_response(), "jane-doe-42")

    ((title, company, urn),) = [(x.title, x.company_name, x.company_urn) for x in p.positions]
    assert (title, company, urn) == (None, "Acme", "urn:li:fsd_company:1001")  # no title in the top card
    assert [e.school_name for e in p.educations] == ["Massachusetts Institute of Technology"]
    assert (p.location_name, p.country_code) == (None, "us")
    assert "location_name" in p.missing and "positions" not in p.missing


def test_positions_without_any_known_link_are_found_by_profile_id(samples):
    data = samples.graphql_response()
    member = samples.member(data)
    del member["profileTopPosition"], member["profileTopEducation"]
    viewer_position = {
        "entityUrn": "urn:li:fsd_profilePosition:(ACoAAViewer,1)",
        "$type": "com.linkedin.voyager.dash.identity.profile.Position",
        "companyName": "Viewer Corp",
    }
    data["included"].insert(0, viewer_position)

    p = parse_profile(data, "jane-doe-42")

    assert [x.company_name for x in p.positions] == ["Acme"]  # never the viewer's
    assert [e.school_name for e in p.educations] == ["Massachusetts Institute of Technology"]


def _rel(data: dict, union_key: str, union: dict) -> None:
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    rel.pop("memberRelationship")
    rel.pop("memberRelationshipDataResolutionResult")
    rel[union_key] = union


@pytest.mark.parametrize(
    "union_key", ["memberRelationship", "memberRelationshipUnion", "memberRelationshipData"]
)
@pytest.mark.parametrize(
    ("union", "expected"),
    [
        ({"self": {}, "connection": None, "noConnection": None}, (0, "SELF", False)),
        ({"self": None, "connection": {"*connection": "urn:li:fsd_connection:1"}}, (1, "DISTANCE_1", False)),
        ({"connected": {}}, (1, "DISTANCE_1", False)),
        ({"connectedMember": "urn:li:fsd_connection:1", "noConnection": None}, (1, "DISTANCE_1", False)),
        (
            {
                "self": None,
                "connection": None,
                "noConnection": {"memberDistance": "DISTANCE_2", "invitation": {"noInvitation": {}}},
            },
            (2, "DISTANCE_2", False),
        ),
        (
            {
                "noConnection": {
                    "memberDistance": "OUT_OF_NETWORK",
                    "invitation": {"*invitation": "urn:li:fsd_invitation:1"},
                }
            },
            (None, "OUT_OF_NETWORK", True),
        ),
        (
            {
                "noConnection": {
                    "memberDistance": "DISTANCE_3",
                    "invitationUnion": {"invitation": {"invitationState": "PENDING"}},
                }
            },
            (3, "DISTANCE_3", True),
        ),
    ],
)
def test_every_union_key_found_by_profile_id(samples, union_key, union, expected):
    data = samples.graphql_response()
    _rel(data, union_key, copy.deepcopy(union))

    p = parse_profile(data, "jane-doe-42")

    assert (p.connection_degree, p.distance, p.invitation_pending) == expected
    assert p.warnings == []


def test_a_rest_reference_to_a_graphql_style_entity_is_followed(samples):
    data = samples.graphql_response(pending=True)
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    rel["entityUrn"] = "urn:li:fsd_memberRelationship:elsewhere"  # not findable by id: only the reference
    samples.member(data)["*memberRelationship"] = "urn:li:fsd_memberRelationship:elsewhere"

    p = parse_profile(data, "jane-doe-42")

    assert (p.distance, p.invitation_pending) == ("DISTANCE_3", True)


def test_the_resolution_result_alone_tells_a_pending_invitation(samples):
    data = samples.graphql_response(pending=True)
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    del rel["memberRelationship"]["noConnection"]["invitation"]

    p = parse_profile(data, "jane-doe-42")

    assert (p.distance, p.invitation_pending) == ("DISTANCE_3", True)
    assert status_from_profile(p) is ConnectionStatus.PENDING


def test_placements_that_disagree_leave_the_invitation_unknown(samples):
    data = samples.graphql_response(pending=True)
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    rel["memberRelationshipDataResolutionResult"] = samples.graphql_invitation(False)

    p = parse_profile(data, "jane-doe-42")

    assert p.invitation_pending is None and "invitation_pending" in p.missing
    assert any("disagree" in w for w in p.warnings)
    assert status_from_profile(p) is ConnectionStatus.UNKNOWN  # the page decides, not a guess


def test_no_invitation_part_at_all_is_unknown_not_false(samples):
    data = samples.graphql_response()
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    del rel["memberRelationship"]["noConnection"]["invitation"], rel["memberRelationshipDataResolutionResult"]

    p = parse_profile(data, "jane-doe-42")

    assert (p.connection_degree, p.invitation_pending) == (3, None)
    assert "invitation_pending" in p.missing


def test_no_relationship_entity_is_unknown(samples):
    data = samples.without(samples.graphql_response(), samples.RELATIONSHIP_URN)

    p = parse_profile(data, "jane-doe-42")

    assert (p.connection_degree, p.distance, p.invitation_pending) == (None, None, None)
    assert {"connection_degree", "invitation_pending"} <= set(p.missing)
    assert status_from_profile(p) is ConnectionStatus.UNKNOWN


def test_an_all_null_union_is_unknown_without_noise(samples):
    data = samples.graphql_response()
    _rel(data, "memberRelationship", {"self": None, "connection": None, "noConnection": None})

    p = parse_profile(data, "jane-doe-42")

    assert p.connection_degree is None and "connection_degree" in p.missing and p.warnings == []


def test_two_kinds_at_once_is_reported_and_unknown(samples):
    data = samples.graphql_response()
    _rel(data, "memberRelationship", {"self": {}, "noConnection": {"memberDistance": "DISTANCE_2"}})

    p = parse_profile(data, "jane-doe-42")

    assert p.distance is None and any("several kinds" in w for w in p.warnings)


def test_rest_responses_say_their_shape(samples):
    assert parse_profile(samples.full_response()).source_shape == "rest"
    assert parse_profile({"included": []}).source_shape is None


def _deep(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "where",
    ["recipes", "name", "union", "invitation", "positions", "envelope", "included"],
)
def test_hostile_nesting_never_raises(samples, where):
    data = samples.graphql_response(pending=True)
    deep = _deep(50_000)
    member = samples.member(data)
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    if where == "recipes":
        member["$recipeTypes"] = deep
    elif where == "name":
        member["firstName"] = {"x": deep}
    elif where == "union":
        rel["memberRelationship"]["connection"] = deep
    elif where == "invitation":
        chain: dict = {}
        for _ in range(20_000):
            chain = {"invitation": chain, "invitationUnion": chain}
        rel["memberRelationshipDataResolutionResult"] = chain
    elif where == "positions":
        member["profileTopPosition"] = {"*elements": deep, "elements": deep}
    elif where == "envelope":
        data["data"]["data"]["identityDashProfilesByMemberIdentity"]["*elements"] = [deep, samples.MEMBER_URN]
    else:
        data["included"].append(deep)

    p = parse_profile(data)

    assert p.full_name in ("Jane Doe", "Doe")
    p.to_dict()


def test_a_capture_saved_without_the_outer_data_level_still_names_the_member(samples):
    data = samples.graphql_response()
    data["data"] = data["data"]["data"]

    p = parse_profile(data)

    assert (p.full_name, p.source_shape) == ("Jane Doe", "graphql")


@pytest.mark.parametrize(
    "resolution",
    [
        {"*invitation": "urn:li:fsd_invitation:1"},
        {"invitation": {"*invitation": "urn:li:fsd_invitation:1", "noInvitation": None}},
        {"noConnection": {"invitation": {"*invitation": "urn:li:fsd_invitation:1"}}},
        {"memberRelationshipData": {"invitationUnion": {"*invitation": "urn:li:fsd_invitation:1"}}},
    ],
)
def test_the_resolution_result_is_read_whatever_its_nesting(samples, resolution):
    data = samples.graphql_response()
    rel = next(e for e in data["included"] if e.get("$type") == REL_TYPE)
    del rel["memberRelationship"]["noConnection"]["invitation"]
    rel["memberRelationshipDataResolutionResult"] = resolution

    assert parse_profile(data, "jane-doe-42").invitation_pending is True


def test_a_typed_all_null_union_is_silent(samples):
    data = samples.graphql_response()
    _rel(
        data,
        "memberRelationship",
        {"$type": "x.Union", "self": None, "connection": None, "noConnection": None},
    )

    p = parse_profile(data, "jane-doe-42")

    assert p.connection_degree is None and p.warnings == []


def test_a_union_that_states_something_wins_over_an_empty_one_found_first(samples):
    data = samples.graphql_response(pending=True)
    data["included"].append(
        {"entityUrn": "urn:li:fsd_memberRelationship:old", "$type": REL_TYPE, "memberRelationshipUnion": {}}
    )
    samples.member(data)["*memberRelationship"] = "urn:li:fsd_memberRelationship:old"

    p = parse_profile(data, "jane-doe-42")

    assert (p.distance, p.invitation_pending) == ("DISTANCE_3", True)
