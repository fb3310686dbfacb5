"""Voyager's GraphQL generation in the sandbox, against linkedin-surface.md: the /voyager/api/graphql path
with its query id, the GraphQL shape on the REST path for a share of people, and the REST 410 fault."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest

from openoutreach.linkedin.voyager import parse_profile

DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
PROFILE = "com.linkedin.voyager.dash.identity.profile.Profile"
RELATIONSHIP = "com.linkedin.voyager.dash.relationships.MemberRelationship"
HASHED = re.compile(r"com\.linkedin\.[0-9a-f]{32}")
DEGREES = {"connected": 1, "DISTANCE_2": 2, "DISTANCE_3": 3, "OUT_OF_NETWORK": None, "pending": None}


def member(sandbox, handle="alice") -> httpx.Client:
    client = httpx.Client(base_url=sandbox.base_url, timeout=10)
    r = client.post(
        "/login", data={"session_key": f"{handle}@sandbox.test", "session_password": f"{handle}-pass"}
    )
    assert r.status_code == 303
    client.headers["csrf-token"] = client.cookies["JSESSIONID"].strip('"')
    client.headers["accept"] = "application/vnd.linkedin.normalized+json+2.1"
    return client


def query_id(sandbox) -> str:
    return sandbox.control.health()["voyager_graphql_query_id"]


def graphql(client: httpx.Client, variables: str, qid: str) -> httpx.Response:
    # the parentheses and colon travel literally, as in LinkedIn's own requests
    return client.get(f"/voyager/api/graphql?variables={variables}&queryId={qid}")


def rest(client: httpx.Client, ident: str) -> httpx.Response:
    return client.get(
        "/voyager/api/identity/dash/profiles",
        params={"q": "memberIdentity", "memberIdentity": ident, "decorationId": DECORATION},
    )


def check_shape(body: dict, person: dict, viewer_urn: str) -> dict:
    """The doc's GraphQL shape, asserted; returns the relationship entity (or None)."""
    envelope = body["data"]["data"]["identityDashProfilesByMemberIdentity"]
    assert envelope["*elements"] == [person["urn"]]
    entities = {e["entityUrn"]: e for e in body["included"]}
    for entity in body["included"]:
        assert all(HASHED.fullmatch(r) for r in entity.get("$recipeTypes", [])), entity["$recipeTypes"]
        for key, value in entity.items():
            if key.startswith("*") and isinstance(value, str):
                assert value in entities, f"{key} -> {value} dangles"
    profiles = [e for e in body["included"] if e["$type"] == PROFILE]
    assert {p["entityUrn"] for p in profiles} >= {person["urn"], viewer_urn}
    profile = entities[person["urn"]]
    assert "*memberRelationship" not in profile
    return entities.get(f"urn:li:fsd_memberRelationship:{person['profile_id']}")


def test_the_graphql_path_serves_the_documented_shape(sandbox):
    client = member(sandbox)
    alice = sandbox.control.account("alice")
    qid = query_id(sandbox)
    people = [p for p in sandbox.control.people(limit=200) if not p["private"] and not p["is_account"]]
    target = next(
        p
        for p in people
        if p["relations"]["alice"] == "DISTANCE_3" and p["voyager"]["relationship"] == "present"
    )
    r = client.post(
        "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
        json={"invitee": {"inviteeUnion": {"memberProfile": target["urn"]}}},
    )
    assert r.status_code == 201
    seen: Counter = Counter()
    for person in people[:120]:
        r = graphql(client, f"(vanityName:{person['public_id']})", qid)
        assert r.status_code == 200, r.text
        body = r.json()
        rel = check_shape(body, person, alice["profile_urn"])
        parsed = parse_profile(body)  # no id: the envelope must name the member, not alice
        assert parsed.urn == person["urn"] and parsed.source_shape == "graphql"
        relation = "pending" if person["public_id"] == target["public_id"] else person["relations"]["alice"]
        if rel is None:
            seen["no relationship"] += 1
            assert parsed.connection_degree is None
            continue
        union = rel["memberRelationship"]
        assert set(union) == {"self", "connection", "noConnection"}
        assert sum(v is not None for v in union.values()) == 1, "one kind, null siblings"
        if relation == "connected":
            seen["connection"] += 1
            assert union["connection"] is not None and parsed.connection_degree == 1
            continue
        invitation = union["noConnection"]["invitation"]
        assert rel["memberRelationshipDataResolutionResult"] == invitation
        if relation == "pending":
            seen["pending"] += 1
            assert invitation["noInvitation"] is None and invitation["*invitation"].startswith(
                "urn:li:fsd_invitation:"
            )
            assert union["noConnection"]["memberDistance"] == "DISTANCE_3"
            assert (parsed.distance, parsed.invitation_pending) == ("DISTANCE_3", True)
        else:
            seen[relation] += 1
            assert "*invitation" not in invitation and invitation["noInvitation"] is not None
            assert (parsed.connection_degree, parsed.invitation_pending) == (DEGREES[relation], False)
        if person["voyager"]["graphql_top_card"]:
            seen["top card"] += 1
            assert parsed.location_name is None and parsed.country_code == person["country"]
            ((position,),) = [parsed.positions]
            assert position.title is None and position.company_name
    missing = [
        k
        for k in ("connection", "pending", "DISTANCE_2", "DISTANCE_3", "top card", "no relationship")
        if not seen[k]
    ]
    assert missing == [], seen


def test_member_identity_variables_read_the_same_person(sandbox):
    client = member(sandbox)
    person = next(p for p in sandbox.control.people(limit=50) if not p["private"] and not p["is_account"])

    by_id = graphql(client, f"(memberIdentity:{person['profile_id']})", query_id(sandbox))
    by_urn = graphql(client, f"(memberIdentity:{person['urn']})", query_id(sandbox))

    assert by_id.status_code == by_urn.status_code == 200
    assert parse_profile(by_id.json()).public_identifier == person["public_id"]
    assert parse_profile(by_urn.json()).urn == person["urn"]


def test_a_stale_query_id_is_refused_and_so_is_garbage(sandbox):
    client = member(sandbox)
    person = next(p for p in sandbox.control.people(limit=50) if not p["private"] and not p["is_account"])
    stale = "voyagerIdentityDashProfiles.0123456789abcdef0123456789abcdef"

    r = graphql(client, f"(vanityName:{person['public_id']})", stale)

    assert r.status_code == 400 and r.json()["status"] == 400  # the sandbox's assumption, see api.py
    assert graphql(client, f"(vanityName:{person['public_id']})", "somethingElse.1").status_code == 400
    assert graphql(client, person["public_id"], query_id(sandbox)).status_code == 400  # no (kind:id)
    assert graphql(client, "(vanityName:nobody-at-all-000)", query_id(sandbox)).status_code == 404
    private = next(p for p in sandbox.control.people(limit=500) if p["private"])
    assert graphql(client, f"(vanityName:{private['public_id']})", query_id(sandbox)).status_code == 403
    anonymous = httpx.Client(base_url=sandbox.base_url)
    assert graphql(anonymous, f"(vanityName:{person['public_id']})", query_id(sandbox)).status_code == 401


def test_the_rest_path_answers_a_stable_share_in_the_graphql_shape(sandbox):
    client = member(sandbox)
    people = [p for p in sandbox.control.people(limit=300) if not p["private"] and not p["is_account"]]
    share = sum(p["voyager"]["graphql"] for p in people) / len(people)
    assert 0.2 < share < 0.4, share  # the default --voyager-graphql-share is 0.3

    for person in people[:40]:
        first, again = rest(client, person["public_id"]).json(), rest(client, person["public_id"]).json()
        shape = "graphql" if person["voyager"]["graphql"] else "rest"
        assert parse_profile(first, person["public_id"]).source_shape == shape
        assert parse_profile(again, person["public_id"]).source_shape == shape  # stable per person
        assert parse_profile(first, person["public_id"]).full_name == person["full_name"]


def test_the_rest_gone_fault_answers_410_for_one_account_only(sandbox):
    alice, bob = member(sandbox), member(sandbox, "bob")
    person = next(p for p in sandbox.control.people(limit=50) if not p["private"] and not p["is_account"])
    sandbox.control.set_faults(account="alice", voyager_rest_gone=True)

    assert rest(alice, person["public_id"]).status_code == 410
    assert graphql(alice, f"(vanityName:{person['public_id']})", query_id(sandbox)).status_code == 200
    assert rest(bob, person["public_id"]).status_code == 200
    sandbox.control.clear_faults()
    assert rest(alice, person["public_id"]).status_code == 200


@pytest.mark.parametrize("value", [1, "yes", None])
def test_the_rest_gone_fault_wants_a_boolean(sandbox, value):
    r = httpx.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"account": "alice", "voyager_rest_gone": value}
    )

    assert r.status_code == 400 and "voyager_rest_gone" in r.text


def test_throttling_faults_apply_to_the_graphql_path_too(sandbox):
    client = member(sandbox)
    person = next(p for p in sandbox.control.people(limit=50) if not p["private"] and not p["is_account"])
    sandbox.control.set_faults(account="alice", voyager_429_rate=1.0)

    assert graphql(client, f"(vanityName:{person['public_id']})", query_id(sandbox)).status_code == 429
