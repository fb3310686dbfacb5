"""The Voyager profiles endpoint against linkedin-surface.md: shape, every documented branch somewhere in
the population, session cookie and CSRF checks, and the error statuses."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
PROFILE = "com.linkedin.voyager.dash.identity.profile.Profile"
COLLECTION = "com.linkedin.restli.common.CollectionResponse"


def member(sandbox, handle="alice") -> httpx.Client:
    client = httpx.Client(base_url=sandbox.base_url, timeout=10)
    r = client.post(
        "/login", data={"session_key": f"{handle}@sandbox.test", "session_password": f"{handle}-pass"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/feed/"
    client.headers["csrf-token"] = client.cookies["JSESSIONID"].strip('"')
    client.headers["accept"] = "application/vnd.linkedin.normalized+json+2.1"
    return client


def fetch(client: httpx.Client, ident: str) -> httpx.Response:
    return client.get(
        "/voyager/api/identity/dash/profiles",
        params={"q": "memberIdentity", "memberIdentity": ident, "decorationId": DECORATION},
    )


def parse(body: dict, public_id: str) -> dict:
    """A reader written from the surface doc alone; returns what the product would extract."""
    assert set(body) >= {"data", "included"}
    assert body["data"]["$type"] == COLLECTION
    entities = {e["entityUrn"]: e for e in body["included"]}
    assert len(entities) == len(body["included"])
    for e in body["included"]:
        assert "$type" in e and "entityUrn" in e
    profiles = [e for e in body["included"] if e["$type"] == PROFILE]
    assert len(profiles) >= 2, "the viewer's mini profile is always there too"
    mine = [p for p in profiles if p["publicIdentifier"] == public_id]
    assert len(mine) == 1
    profile = mine[0]
    assert body["data"]["*elements"][0] == profile["entityUrn"]
    assert profile["entityUrn"].startswith("urn:li:fsd_profile:")
    geo_urn = (
        profile.get("*geo")
        or (profile.get("geoLocation") or {}).get("*geo")
        or (profile.get("geoLocation") or {}).get("geoUrn")
    )
    geo = entities[geo_urn]
    location = profile["locationName"] or geo["defaultLocalizedName"]
    positions = []
    for group_urn in entities[profile["*profilePositionGroups"]]["*elements"]:
        group = entities[group_urn]
        for pos_urn in entities[group["*profilePositionInPositionGroup"]]["*elements"]:
            pos = entities[pos_urn]
            company = entities.get(pos.get("*company"), {}).get("name") or pos["companyName"]
            positions.append({**pos, "company": company})
    educations = [entities[u] for u in entities[profile["*profileEducations"]]["*elements"]]
    relation = entities.get(profile.get("*memberRelationship"))
    return {
        "profile": profile,
        "entities": entities,
        "location": location,
        "country": profile["location"]["countryCode"],
        "positions": positions,
        "educations": educations,
        "relation": relation,
        "industry": entities[profile["*industry"]]["name"],
    }


def test_every_documented_branch_occurs_and_parses(sandbox):
    client = member(sandbox)
    people = sandbox.control.people()
    # make the rarer relationship states exist: one pending invitation, and the viewer's own profile
    target = next(
        p
        for p in people
        if p["relations"]["alice"] == "DISTANCE_2"
        and p["voyager"]["relationship"] == "present"
        and not p["voyager"]["graphql"]
        and not p["private"]
    )
    r = client.post(
        "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
        json={"invitee": {"inviteeUnion": {"memberProfile": target["urn"]}}},
    )
    assert r.status_code == 201, r.text
    seen: Counter = Counter()
    for person in people:
        r = fetch(client, person["public_id"])
        if person["private"]:
            assert r.status_code == 403
            seen["403 private"] += 1
            continue
        assert r.status_code == 200, (person["public_id"], r.text)
        if person["voyager"]["graphql"]:  # the GraphQL shape on the REST path: see test_voyager_graphql.py
            assert "data" in r.json()["data"]
            seen["GraphQL shape on REST"] += 1
            continue
        got = parse(r.json(), person["public_id"])
        profile, entities = got["profile"], got["entities"]
        assert profile["firstName"] == person["first_name"] and profile["lastName"] == person["last_name"]
        assert got["country"].lower() == person["country"]
        assert got["location"]
        assert (
            got["positions"][0]["dateRange"]["end"] is None
            and got["positions"][0]["title"] == person["title"]
        )
        assert got["positions"][0]["company"] in (
            person["company"]["name"],
            got["positions"][0]["companyName"],
        )
        seen["upper countryCode" if got["country"].isupper() else "lower countryCode"] += 1
        seen["locationName null" if profile["locationName"] is None else "locationName"] += 1
        seen[
            "*geo on profile" if "*geo" in profile else "geoLocation." + next(iter(profile["geoLocation"]))
        ] += 1
        seen["no $recipeTypes" if "$recipeTypes" not in profile else "$recipeTypes"] += 1
        if "$recipeTypes" in profile:
            assert any("FullProfileWithEntities" in r for r in profile["$recipeTypes"])
        if any(p.get("*company") and p["*company"] not in entities for p in got["positions"]):
            seen["company entity missing"] += 1
        if any(p["dateRange"]["start"] and "month" not in p["dateRange"]["start"] for p in got["positions"]):
            seen["month missing"] += 1
        types = Counter(e["$type"].rsplit(".", 1)[1] for e in entities.values())
        if types["Skill"] and types["Language"]:
            seen["skills+languages decoys"] += 1
        if types["Profile"] > 2:
            seen["other people's profiles"] += 1
        if "*memberRelationship" not in profile:
            seen["relationship missing"] += 1
        elif got["relation"] is None:
            seen["relationship dangling"] += 1
        else:
            key = (
                "memberRelationshipUnion"
                if "memberRelationshipUnion" in got["relation"]
                else "memberRelationshipData"
            )
            seen[key] += 1
            union = got["relation"][key]
            assert len(union) == 1
            ((kind, value),) = union.items()
            if kind == "noConnection":
                seen[value["memberDistance"]] += 1
                if "invitation" in value["invitationUnion"]:
                    seen["pending"] += 1
                    assert person["public_id"] == target["public_id"]
            else:
                seen[kind] += 1
    me_body = fetch(client, "me").json()
    me = (
        parse(me_body, sandbox.control.account("alice")["public_id"])
        if "*elements" in me_body["data"]
        else None
    )
    if me is not None and me["relation"] is not None:
        seen[
            next(
                iter(
                    me["relation"].get("memberRelationshipUnion") or me["relation"]["memberRelationshipData"]
                )
            )
        ] += 1
    required = [
        "403 private",
        "upper countryCode",
        "lower countryCode",
        "locationName null",
        "*geo on profile",
        "geoLocation.*geo",
        "geoLocation.geoUrn",
        "no $recipeTypes",
        "company entity missing",
        "month missing",
        "skills+languages decoys",
        "other people's profiles",
        "relationship missing",
        "relationship dangling",
        "memberRelationshipUnion",
        "memberRelationshipData",
        "DISTANCE_2",
        "DISTANCE_3",
        "OUT_OF_NETWORK",
        "pending",
        "connectedMember",
        "connected",
        "GraphQL shape on REST",
    ]
    assert [k for k in required if not seen[k]] == [], seen
    own = fetch(client, sandbox.control.account("alice")["public_id"]).json()
    own_rel = [e for e in own["included"] if e["$type"].endswith("MemberRelationship")]
    assert not own_rel or (
        own_rel[0].get("memberRelationshipUnion")
        or own_rel[0].get("memberRelationshipData")
        or own_rel[0]["memberRelationship"]
    ).get("self")


def test_per_request_ids_change_but_the_person_does_not(sandbox):
    client = member(sandbox)
    person = next(
        p
        for p in sandbox.control.people()
        if not p["private"] and not p["is_account"] and not p["voyager"]["graphql"]
    )
    a, b = fetch(client, person["public_id"]).json(), fetch(client, person["public_id"]).json()
    collections = lambda body: {e["entityUrn"] for e in body["included"] if e["$type"] == COLLECTION}  # noqa: E731
    assert collections(a) and not collections(a) & collections(b)
    pa, pb = parse(a, person["public_id"]), parse(b, person["public_id"])
    assert [p["title"] for p in pa["positions"]] == [p["title"] for p in pb["positions"]]
    assert pa["location"] == pb["location"]


def test_session_cookie_and_csrf_are_enforced(sandbox):
    client = member(sandbox)
    person = next(p for p in sandbox.control.people() if not p["private"])
    assert fetch(client, person["public_id"]).status_code == 200
    anonymous = httpx.Client(base_url=sandbox.base_url)
    assert fetch(anonymous, person["public_id"]).status_code == 401
    no_csrf = httpx.Client(base_url=sandbox.base_url, cookies=client.cookies)
    assert fetch(no_csrf, person["public_id"]).status_code == 403
    wrong = httpx.Client(base_url=sandbox.base_url, cookies=client.cookies, headers={"csrf-token": "ajax:0"})
    assert fetch(wrong, person["public_id"]).status_code == 403
    assert fetch(client, "no-such-person-123").status_code == 404
    bad = client.get(
        "/voyager/api/identity/dash/profiles",
        params={"q": "memberIdentity", "memberIdentity": person["public_id"], "decorationId": "x.Mini-1"},
    )
    assert bad.status_code == 400
    client.get("/m/logout/")
    assert fetch(client, person["public_id"]).status_code == 401


@pytest.mark.parametrize(
    "fault,status", [("voyager_429_rate", 429), ("voyager_999_rate", 999), ("session_expired_rate", 401)]
)
def test_voyager_faults_on_and_off(sandbox, fault, status):
    client = member(sandbox)
    person = next(p for p in sandbox.control.people() if not p["private"])
    sandbox.control.set_faults(account="alice", **{fault: 1.0})
    assert fetch(client, person["public_id"]).status_code == status
    assert fetch(member(sandbox, "bob"), person["public_id"]).status_code == 200  # other accounts unaffected
    sandbox.control.clear_faults()
    if fault == "session_expired_rate":
        client = member(sandbox)  # an expired session stays dead; a fresh login works
    assert fetch(client, person["public_id"]).status_code == 200
