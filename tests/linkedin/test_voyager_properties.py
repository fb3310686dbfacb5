"""Properties of the Voyager parser over generated JSON: it never raises, whatever the shape, and it never
invents a relationship (a degree, a distance or an invitation it was not told about)."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openoutreach.linkedin.voyager import parse_profile
from openoutreach.linkedin.voyager.relationship import DISTANCES

RELATIONSHIP_KEYS = [
    "self", "connection", "connected", "connectedMember", "noConnection", "memberDistance", "invitation",
    "*invitation", "noInvitation", "invitationUnion", "invitationState", "sentInvitation", "memberRelationship",
    "memberRelationshipUnion", "memberRelationshipData", "memberRelationshipDataResolutionResult", "other",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(
        [
            "DISTANCE_2",
            "DISTANCE_3",
            "OUT_OF_NETWORK",
            "SELF",
            "PENDING",
            "ACCEPTED",
            "urn:li:fsd_invitation:1",
            "",
        ]
    )
)
JSON = st.recursive(
    SCALARS | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(RELATIONSHIP_KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(p) -> None:
    json.dumps(p.to_dict())  # what is stored on a Lead must serialise
    assert p.connection_degree in (0, 1, 2, 3, None)
    assert p.distance is None or p.distance in DISTANCES
    assert p.invitation_pending in (True, False, None)


@FAST
@given(JSON)
def test_any_json_parses_without_raising(value):
    _check(parse_profile(value))
    _check(parse_profile({"data": value, "included": [value]}, "jane-doe-42"))


@FAST
@given(st.dictionaries(st.sampled_from(RELATIONSHIP_KEYS), JSON, max_size=6), st.booleans())
def test_a_hostile_relationship_entity_never_raises_nor_breaks_the_rest(samples, rel, graphql):
    data = samples.graphql_response() if graphql else samples.full_response()
    data["included"] = [
        e
        for e in data["included"]
        if not (isinstance(e, dict) and e.get("$type", "").endswith("MemberRelationship"))
    ]
    data["included"].append(
        {**copy.deepcopy(rel), "entityUrn": samples.RELATIONSHIP_URN, "$type": "x.MemberRelationship"}
    )

    p = parse_profile(data, "jane-doe-42")

    _check(p)
    assert p.full_name == "Jane Doe"  # the member is still read, whatever the relationship holds


@FAST
@given(JSON)
def test_without_a_relationship_anywhere_nothing_is_invented(samples, junk):
    data = samples.without(samples.graphql_response(), samples.RELATIONSHIP_URN)
    samples.member(data)["unrelatedKey"] = junk

    p = parse_profile(data, "jane-doe-42")

    assert (p.connection_degree, p.distance, p.invitation_pending) == (None, None, None)
    assert {"connection_degree", "invitation_pending"} <= set(p.missing)
