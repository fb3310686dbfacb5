"""Voyager's GraphQL generation end to end, from alice's real logged-in page against the sandbox:
enrichment and status reads of GraphQL-shaped answers, and the move from a retired REST endpoint to the
GraphQL path (once, for good, and the run keeps going)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from openoutreach.linkedin.actions import ConnectionStatus, connection_status, scrape_profile
from openoutreach.linkedin.errors import StaleQueryId, VoyagerError

pytestmark = pytest.mark.browser

DEGREES = {"connected": 1, "DISTANCE_2": 2, "DISTANCE_3": 3, "OUT_OF_NETWORK": None}


def people(sandbox, **quirks) -> list[dict]:
    """Public, non-account sandbox people whose Voyager quirks match."""
    return [
        p
        for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and all(p["voyager"][k] == v for k, v in quirks.items())
    ]


def profile_calls(sandbox) -> list[dict]:
    return [e for e in sandbox.control.request_log("alice") if e["path"].startswith("/voyager/api/")]


@pytest.fixture
def on_rest(alice, sandbox) -> Iterator:
    """alice's client on the REST path with the sandbox's current GraphQL query id; put back afterwards."""
    voyager = alice.voyager
    voyager.path, voyager.switched_at, voyager.switch_reason = "rest", None, ""
    voyager.graphql_query_id = sandbox.control.health()["voyager_graphql_query_id"]
    alice.ensure_logged_in()
    alice.open("/feed/")
    yield alice
    voyager.path, voyager.switched_at, voyager.switch_reason = "rest", None, ""


def invite_as_alice(sandbox, urn: str) -> None:
    """What the page's own script posts when alice clicks Connect (setup for a pending status)."""
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as http:
        http.post("/login", data={"session_key": "alice@sandbox.test", "session_password": "alice-pass"})
        http.headers["csrf-token"] = http.cookies["JSESSIONID"].strip('"')
        r = http.post(
            "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
            json={"invitee": {"inviteeUnion": {"memberProfile": urn}}},
        )
        assert r.status_code == 201, r.text


def test_graphql_shaped_answers_enrich_like_the_ground_truth(on_rest, sandbox):
    picked = people(sandbox, graphql=True, graphql_top_card=True, relationship="present")[:2]
    picked += people(sandbox, graphql=True, graphql_top_card=False, relationship="present")[:2]

    for truth in picked:
        result = scrape_profile(on_rest, f"/in/{truth['public_id']}/", visit=False)
        p = result.profile

        assert p.source_shape == "graphql" and on_rest.voyager.path == "rest"  # readable: no switch
        assert (p.urn, p.public_identifier, p.full_name) == (
            truth["urn"],
            truth["public_id"],
            truth["full_name"],
        )
        assert p.headline == truth["headline"] and p.country_code == truth["country"]
        assert p.connection_degree == DEGREES[truth["relations"]["alice"]]
        assert p.positions[0].company_name.startswith(truth["company"]["name"])
        if truth["voyager"]["graphql_top_card"]:
            assert [x.title for x in p.positions] == [None] and p.location_name is None
        else:
            assert p.positions[0].title == truth["title"] and p.location_name


def test_status_reads_come_from_the_graphql_relationship(on_rest, sandbox):
    pending = people(sandbox, graphql=True, relationship="present")[5]
    invite_as_alice(sandbox, pending["urn"])
    connected = next(
        p
        for p in people(sandbox, graphql=True, relationship="present")
        if p["relations"]["alice"] == "connected"
    )
    stranger = next(
        p
        for p in people(sandbox, graphql=True, relationship="present")
        if p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3") and p["public_id"] != pending["public_id"]
    )

    for person, expected in [
        (pending, ConnectionStatus.PENDING),
        (connected, ConnectionStatus.CONNECTED),
        (stranger, ConnectionStatus.NOT_CONNECTED),
    ]:
        read = connection_status(on_rest, f"/in/{person['public_id']}/", person["full_name"])
        assert (read.status, read.source) == (expected, "voyager"), person["public_id"]
        assert read.profile.source_shape == "graphql"


def test_a_rest_410_mid_run_switches_to_graphql_once_and_keeps_going(on_rest, sandbox):
    batch = people(sandbox, graphql=False)[:6]
    before = [on_rest.voyager.get_profile(p["public_id"]) for p in batch[:2]]
    sandbox.control.set_faults(account="alice", voyager_rest_gone=True)

    after = [on_rest.voyager.get_profile(p["public_id"]) for p in batch[2:]]

    assert [f.path for f in before] == ["rest", "rest"]
    assert [f.path for f in after] == ["graphql"] * 4
    assert [f.parsed.full_name for f in before + after] == [p["full_name"] for p in batch]
    assert on_rest.voyager.path == "graphql" and on_rest.voyager.switched_at is not None
    assert "410" in on_rest.voyager.switch_reason
    calls = profile_calls(sandbox)
    kinds = [("rest" if "/identity/dash/profiles" in e["path"] else "graphql", e["status"]) for e in calls]
    assert kinds == [("rest", 200)] * 2 + [("rest", 410)] + [("graphql", 200)] * 4  # one switch, never back
    sandbox.control.clear_faults()
    later = on_rest.voyager.get_profile(batch[0]["public_id"])
    assert later.path == "graphql" and profile_calls(sandbox)[-1]["path"] == "/voyager/api/graphql"


def test_an_unreadable_rest_answer_also_moves_the_account(on_rest, sandbox, monkeypatch):
    person = people(sandbox, graphql=False)[0]
    real_get_json = on_rest.voyager.get_json

    def rest_answers_nonsense(path: str, subject: str = "") -> dict:
        body = real_get_json(path, subject)
        return {"data": {"elements": []}, "included": []} if "/identity/dash/profiles" in path else body

    monkeypatch.setattr(on_rest.voyager, "get_json", rest_answers_nonsense)

    fetched = on_rest.voyager.get_profile(person["public_id"])

    assert (fetched.path, fetched.parsed.full_name) == ("graphql", person["full_name"])
    assert "cannot read" in on_rest.voyager.switch_reason


def test_a_stale_query_id_names_the_setting_and_status_falls_back_to_the_page(on_rest, sandbox):
    person = next(
        p for p in people(sandbox, relationship="present") if p["relations"]["alice"] == "connected"
    )
    on_rest.voyager.path = "graphql"
    on_rest.voyager.graphql_query_id = "voyagerIdentityDashProfiles.00000000000000000000000000000000"

    with pytest.raises(StaleQueryId, match="VOYAGER_GRAPHQL_QUERY_ID"):
        on_rest.voyager.get_profile(person["public_id"])
    read = connection_status(on_rest, f"/in/{person['public_id']}/", person["full_name"])

    assert (read.status, read.source) == (ConnectionStatus.CONNECTED, "top_card")


def test_without_a_query_id_a_retired_rest_endpoint_is_a_clear_error(on_rest, sandbox):
    on_rest.voyager.graphql_query_id = ""
    sandbox.control.set_faults(account="alice", voyager_rest_gone=True)

    with pytest.raises(VoyagerError, match="VOYAGER_GRAPHQL_QUERY_ID") as caught:
        on_rest.voyager.get_profile(people(sandbox)[0]["public_id"])

    assert caught.value.status == 410 and on_rest.voyager.path == "rest"
