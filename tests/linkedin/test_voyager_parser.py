"""The Voyager parser turns every response shape of the surface doc into a ParsedProfile, never crashing."""

from __future__ import annotations

import copy

import pytest

from openoutreach.linkedin.voyager import parse_profile


def test_a_full_response_parses_every_field(samples):
    p = parse_profile(samples.full_response(), "jane-doe-42")

    assert p.url == "https://www.linkedin.com/in/jane-doe-42/"
    assert p.urn == samples.MEMBER_URN
    assert (p.public_identifier, p.first_name, p.last_name, p.full_name) == (
        "jane-doe-42",
        "Jane",
        "Doe",
        "Jane Doe",
    )
    assert p.headline == "Head of Data at Acme"
    assert p.summary == "I build data teams."
    assert p.location_name == "Cambridge, Massachusetts, United States"  # locationName null -> the Geo
    assert p.country_code == "us"
    assert p.industry == "Higher Education"
    assert (p.connection_degree, p.distance, p.invitation_pending) == (2, "DISTANCE_2", False)
    assert p.warnings == [] and p.missing == []


def test_positions_keep_profile_order_and_prefer_the_company_entity(samples):
    p = parse_profile(samples.full_response(), "jane-doe-42")

    assert [(x.title, x.company_name) for x in p.positions] == [
        ("Head of Data", "Acme"),  # "ACME inc (raw)" loses to the Company entity's name
        ("Data Scientist", "Acme"),
        ("Analyst", "Initech"),
    ]
    head, scientist, analyst = p.positions
    assert head.company_urn == "urn:li:fsd_company:1001"
    assert head.location == "Boston, MA" and scientist.location == "Cambridge, MA"  # geoLocationName fallback
    assert head.description == "Leads 12 people."
    assert head.date_range == {"start": {"year": 2021, "month": 4}, "end": None}  # null end = current
    assert analyst.company_urn == "urn:li:fsd_company:2002"  # no companyUrn: taken from *company


def test_month_missing_in_a_date_range_is_none_not_an_error(samples):
    p = parse_profile(samples.full_response(), "jane-doe-42")

    assert p.positions[2].date_range == {
        "start": {"year": 2015, "month": None},
        "end": {"year": 2017, "month": None},
    }
    assert p.educations[0].date_range["start"] == {"year": 2013, "month": None}


def test_educations_prefer_the_school_entity(samples):
    (edu,) = parse_profile(samples.full_response(), "jane-doe-42").educations

    assert edu.school_name == "Massachusetts Institute of Technology"
    assert (edu.degree_name, edu.field_of_study) == ("MSc", "Statistics")


def test_company_entity_missing_falls_back_to_the_raw_company_name(samples):
    data = samples.without(samples.full_response(), "urn:li:fsd_company:2002")
    p = parse_profile(data, "jane-doe-42")

    assert p.positions[2].company_name == "Initech"
    assert p.positions[2].company_urn == "urn:li:fsd_company:2002"
    assert any("urn:li:fsd_company:2002" in w for w in p.warnings)


def test_school_entity_missing_falls_back_to_school_name(samples):
    data = samples.without(samples.full_response(), "urn:li:fsd_school:501")

    assert parse_profile(data, "jane-doe-42").educations[0].school_name == "MIT (raw)"


def test_profile_chosen_by_public_identifier_among_several(samples):
    data = samples.full_response()
    # The viewer's profile also carries a FullProfile recipe here: only the id can tell them apart.
    samples.entity(data, samples.VIEWER_URN)["$recipeTypes"] = [samples.FULL_RECIPE + "-91"]
    data["included"].reverse()

    assert parse_profile(data, "jane-doe-42").full_name == "Jane Doe"
    assert parse_profile(data, "alice-viewer").full_name == "Alice Viewer"
    assert parse_profile(data, "JANE-DOE-42").urn == samples.MEMBER_URN  # public ids are case-insensitive


def test_without_public_id_the_full_profile_recipe_wins(samples):
    data = samples.full_response()
    data["included"].reverse()  # the viewer's mini profile now comes first
    data["data"]["*elements"] = [samples.VIEWER_URN]  # and even data points elsewhere

    assert parse_profile(data).full_name == "Jane Doe"


def test_without_recipes_data_elements_decides(samples):
    data = samples.full_response()
    for e in data["included"]:
        if isinstance(e, dict):
            e.pop("$recipeTypes", None)

    p = parse_profile(data)
    assert p.full_name == "Jane Doe" and p.warnings == []
    data["data"]["*elements"] = [samples.VIEWER_URN]
    assert parse_profile(data).full_name == "Alice Viewer"


def test_unknown_public_id_falls_back_with_a_warning(samples):
    p = parse_profile(samples.full_response(), "renamed-vanity")

    assert p.full_name == "Jane Doe"
    assert any("renamed-vanity" in w for w in p.warnings)


def test_geo_directly_on_the_profile(samples):
    data = samples.full_response()
    m = samples.member(data)
    del m["geoLocation"]
    m["*geo"] = "urn:li:fsd_geo:102380872"

    assert parse_profile(data, "jane-doe-42").location_name == "Cambridge, Massachusetts, United States"


def test_geo_through_geo_urn_only(samples):
    data = samples.full_response()
    samples.member(data)["geoLocation"] = {"geoUrn": "urn:li:fsd_geo:102380872"}

    assert parse_profile(data, "jane-doe-42").location_name == "Cambridge, Massachusetts, United States"


def test_location_name_wins_over_geo(samples):
    data = samples.full_response()
    samples.member(data)["locationName"] = "Greater Boston"

    assert parse_profile(data, "jane-doe-42").location_name == "Greater Boston"


def test_geo_entity_missing_leaves_location_unknown(samples):
    data = samples.without(samples.full_response(), "urn:li:fsd_geo:102380872")
    p = parse_profile(data, "jane-doe-42")

    assert p.location_name is None and "location_name" in p.missing
    assert p.country_code == "us"


def test_upper_case_country_code_is_normalised(samples):
    data = samples.full_response()
    samples.member(data)["location"]["countryCode"] = "DE"

    assert parse_profile(data, "jane-doe-42").country_code == "de"


@pytest.mark.parametrize(
    ("union", "degree", "distance", "pending"),
    [
        ({"connectedMember": "urn:li:fsd_connection:1"}, 1, "DISTANCE_1", False),
        ({"connected": {}}, 1, "DISTANCE_1", False),
        ({"noConnection": {"memberDistance": "DISTANCE_2"}}, 2, "DISTANCE_2", None),
        (
            {"noConnection": {"memberDistance": "DISTANCE_3", "invitationUnion": {"noInvitation": {}}}},
            3,
            "DISTANCE_3",
            False,
        ),
        ({"noConnection": {"memberDistance": "OUT_OF_NETWORK"}}, None, "OUT_OF_NETWORK", None),
        (
            {
                "noConnection": {
                    "memberDistance": "DISTANCE_2",
                    "invitationUnion": {"invitation": {"invitationState": "PENDING"}},
                }
            },
            2,
            "DISTANCE_2",
            True,
        ),
        (
            {
                "noConnection": {
                    "memberDistance": "DISTANCE_3",
                    "invitationUnion": {"*invitation": "urn:li:fsd_invitation:9"},
                }
            },
            3,
            "DISTANCE_3",
            True,
        ),
        ({"self": {}}, 0, "SELF", False),
    ],
)
def test_each_member_relationship_case(samples, union, degree, distance, pending):
    data = samples.full_response()
    samples.relationship(data)["memberRelationshipUnion"] = union
    p = parse_profile(data, "jane-doe-42")

    assert (p.connection_degree, p.distance, p.invitation_pending) == (degree, distance, pending)
    assert p.warnings == []


def test_older_member_relationship_data_key(samples):
    data = samples.full_response()
    rel = samples.relationship(data)
    rel["memberRelationshipData"] = rel.pop("memberRelationshipUnion")

    assert parse_profile(data, "jane-doe-42").connection_degree == 2


@pytest.mark.parametrize("how", ["absent", "unresolvable", "empty union", "unknown union"])
def test_relationship_missing_means_degree_unknown_not_an_error(samples, how):
    data = samples.full_response()
    if how == "absent":
        del samples.member(data)["*memberRelationship"]
        data = samples.without(data, "urn:li:fsd_memberRelationship:ACoAAJaneDoe")
    elif how == "unresolvable":
        data = samples.without(data, "urn:li:fsd_memberRelationship:ACoAAJaneDoe")
    elif how == "empty union":
        samples.relationship(data)["memberRelationshipUnion"] = None
    else:
        samples.relationship(data)["memberRelationshipUnion"] = {"blocked": {}}
    p = parse_profile(data, "jane-doe-42")

    assert p.connection_degree is None and p.distance is None
    assert "connection_degree" in p.missing
    assert p.full_name == "Jane Doe"


def test_unknown_member_distance_is_reported(samples):
    data = samples.full_response()
    samples.relationship(data)["memberRelationshipUnion"] = {"noConnection": {"memberDistance": "DISTANCE_9"}}
    p = parse_profile(data, "jane-doe-42")

    assert p.connection_degree is None and any("DISTANCE_9" in w for w in p.warnings)


def test_sparse_profile_says_what_is_missing(samples):
    data = samples.full_response()
    m = samples.member(data)
    for key in (
        "headline",
        "geoLocation",
        "location",
        "*industry",
        "*profilePositionGroups",
        "*profileEducations",
    ):
        m.pop(key)
    # the member's Position/Education entities go too (left alone they would be found by profile id)
    data["included"] = [
        e for e in data["included"] if not (isinstance(e, dict) and "ACoAAJaneDoe," in e.get("entityUrn", ""))
    ]
    p = parse_profile(data, "jane-doe-42")

    assert p.full_name == "Jane Doe"
    assert p.positions == [] and p.educations == []
    assert set(p.missing) >= {
        "headline",
        "location_name",
        "country_code",
        "industry",
        "positions",
        "educations",
    }


def test_unresolvable_position_references_are_dropped(samples):
    data = samples.without(samples.full_response(), "urn:li:fsd_profilePosition:(ACoAAJaneDoe,12)")
    data = samples.without(data, "urn:li:collection:group2")
    p = parse_profile(data, "jane-doe-42")

    assert [x.title for x in p.positions] == ["Head of Data"]
    assert len(p.warnings) == 2


def test_inlined_collections_are_followed(samples):
    data = samples.full_response()
    m = samples.member(data)
    m["profileEducations"] = {"elements": [{"schoolName": "Inline U", "degreeName": "BA"}]}
    del m["*profileEducations"]

    assert parse_profile(data, "jane-doe-42").educations[0].school_name == "Inline U"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        [],
        "text",
        42,
        {},
        {"data": None},
        {"included": "nope"},
        {"included": [None, 1, "x"]},
        {"data": {"*elements": ["urn:li:fsd_profile:nobody"]}, "included": []},
    ],
)
def test_garbage_input_never_crashes(garbage):
    p = parse_profile(garbage)

    assert not p.found
    assert "profile" in p.missing


def test_wrong_types_inside_entities_are_ignored(samples):
    data = samples.full_response()
    m = samples.member(data)
    m.update({"firstName": 7, "headline": {"text": "x"}, "location": "us", "geoLocation": ["x"]})
    samples.entity(data, "urn:li:fsd_profilePosition:(ACoAAJaneDoe,11)")["dateRange"] = {
        "start": {"year": "2021"}
    }
    p = parse_profile(copy.deepcopy(data), "jane-doe-42")

    assert p.first_name is None and p.full_name == "Doe"
    assert p.headline is None and p.country_code is None
    assert p.positions[0].date_range == {"start": None, "end": None}


def test_base_url_shapes_the_profile_url(samples):
    p = parse_profile(samples.full_response(), "jane-doe-42", base_url="http://127.0.0.1:8123/")

    assert p.url == "http://127.0.0.1:8123/in/jane-doe-42/"
