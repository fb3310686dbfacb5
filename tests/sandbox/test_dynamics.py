"""Acceptances, replies, the weekly window and the clock speed, driven through the real server."""

from __future__ import annotations

import time

import httpx

INVITE = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"
MESSAGE = "/voyager/api/voyagerMessagingDashMessengerMessages?action=createMessage"
DAY = 86_400


def member(sandbox, handle="alice") -> httpx.Client:
    client = httpx.Client(base_url=sandbox.base_url, timeout=10)
    client.post(
        "/login", data={"session_key": f"{handle}@sandbox.test", "session_password": f"{handle}-pass"}
    )
    client.headers["csrf-token"] = client.cookies["JSESSIONID"].strip('"')
    return client


def invite(client, urn):
    return client.post(INVITE, json={"invitee": {"inviteeUnion": {"memberProfile": urn}}})


def test_invitations_are_accepted_after_sampled_delays(sandbox):
    client = member(sandbox)
    targets = [
        p for p in sandbox.control.people() if p["relations"]["alice"] == "DISTANCE_2" and not p["private"]
    ][:40]
    for p in targets:
        assert invite(client, p["urn"]).status_code == 201
    withdrawn = targets[0]
    assert (
        client.post(
            "/voyager/api/voyagerRelationshipsDashInvitations?action=withdraw",
            json={"invitee": withdrawn["urn"]},
        ).status_code
        == 200
    )
    assert sandbox.control.snapshot()["acceptances"] == []
    sandbox.control.advance(2 * DAY)
    early = len(sandbox.control.snapshot()["acceptances"])
    sandbox.control.advance(20 * DAY)
    snap = sandbox.control.snapshot()
    accepted = {a["person"] for a in snap["acceptances"]}
    assert early <= len(accepted)
    assert 5 <= len(accepted) <= 35  # propensities average ~0.4
    assert withdrawn["public_id"] not in accepted
    for a in snap["acceptances"]:
        assert a["will_accept"] and a["resolved_at"] > a["sent_at"]
        assert a["person"] in snap["connections"]["alice"]
    still_pending = [i for i in snap["invitations"] if i["status"] == "pending"]
    assert still_pending and all("will_accept" not in i for i in still_pending)  # hidden until decided
    # the product sees acceptances where LinkedIn shows them
    page = client.get("/mynetwork/invite-connect/connections/").text
    assert all(sandbox.control.person(pid)["full_name"] in page for pid in list(accepted)[:5])


def test_follow_ups_get_replies_only_from_people_messaged(sandbox):
    client = member(sandbox)
    friends = [p for p in sandbox.control.people() if p["relations"]["alice"] == "connected"]
    for p in friends:
        r = client.post(MESSAGE, json={"recipient": p["urn"], "text": f"Hi {p['first_name']}!"})
        assert r.status_code == 201, r.text
    stranger = next(p for p in sandbox.control.people() if p["relations"]["alice"] == "DISTANCE_3")
    refused = client.post(MESSAGE, json={"recipient": stranger["urn"], "text": "hello"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_connected"
    assert client.post(MESSAGE, content=b"{not json").status_code == 400
    sandbox.control.advance(12 * DAY)
    replies = sandbox.control.snapshot()["replies"]
    assert replies and {r["person"] for r in replies} <= {p["public_id"] for p in friends}
    assert all(r["sender"] == "member" for r in replies)
    thread = client.get(
        f"/messaging/thread/2-{sandbox.control.person(replies[0]['person'])['profile_id']}/"
    ).text
    assert replies[0]["text"].split(",")[0].split("!")[0] in thread.replace("&#39;", "'")


def test_clock_speed_compresses_days_into_seconds(sandbox):
    before = sandbox.control.clock()["now"]
    sandbox.control.set_clock_speed(3600)
    time.sleep(0.5)
    after = sandbox.control.clock()["now"]
    assert 1500 <= after - before <= 3600 * 5
    sandbox.control.reset()
    assert sandbox.control.clock()["speed"] == 1.0


def test_weekly_window_rolls(sandbox):
    sandbox.control.update_account("bob", weekly_limit=2)
    client = member(sandbox, "bob")
    targets = [
        p for p in sandbox.control.people() if p["relations"]["bob"] == "DISTANCE_2" and not p["private"]
    ][:4]
    assert [invite(client, p["urn"]).status_code for p in targets[:3]] == [201, 201, 429]
    sandbox.control.advance(4 * DAY)
    assert invite(client, targets[2]["urn"]).status_code == 429
    sandbox.control.advance(3 * DAY + 60)
    assert invite(client, targets[2]["urn"]).status_code == 201
    assert sandbox.control.account("bob")["invitations_this_week"] == 1


def test_a_rehearsal_can_make_members_decide_sooner():
    """`--accept-delay-scale`: the same invitation is decided in that share of its drawn delay."""
    from openoutreach.sandbox.population import Population
    from openoutreach.sandbox.scenarios import load
    from openoutreach.sandbox.world import World

    def delays(scale: float) -> list[float]:
        world = World.create(Population.generate(60, 7), load("devops"))
        world.accept_delay_scale = scale
        people = [
            p
            for p in world.population.people[:60]
            if world.degree("alice", p) == "DISTANCE_2" and not p.private
        ]
        return [(inv := world.invite("alice", p)).decide_at - inv.sent_at for p in people[:10]]

    drawn, scaled = delays(1.0), delays(0.02)
    assert len(drawn) == 10
    for full, short in zip(drawn, scaled, strict=True):
        assert short < full and abs(short - full * 0.02) < 1.0  # the clocks started a moment apart
