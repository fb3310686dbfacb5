"""The sandbox's three-week block after a withdrawal, driven through the real server."""

from __future__ import annotations

import httpx

INVITE = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"
WITHDRAW = "/voyager/api/voyagerRelationshipsDashInvitations?action=withdraw"
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


def test_a_withdrawn_person_cannot_be_invited_again_for_21_days(sandbox):
    alice, bob = member(sandbox), member(sandbox, "bob")
    person = next(
        p for p in sandbox.control.people()
        if p["relations"]["alice"] == "DISTANCE_3" and p["relations"]["bob"] != "connected" and not p["private"]
    )  # fmt: skip
    assert invite(alice, person["urn"]).status_code == 201
    assert alice.post(WITHDRAW, json={"invitee": person["urn"]}).status_code == 200
    assert alice.post(WITHDRAW, json={"invitee": person["urn"]}).status_code == 404  # nothing pending now

    refused = invite(alice, person["urn"])
    assert refused.status_code == 400 and refused.json()["code"] == "reinvite_blocked"
    assert "21.0 days" in refused.json()["message"] or "20.9" in refused.json()["message"]
    assert invite(bob, person["urn"]).status_code == 201  # the block is the withdrawing account's

    sandbox.control.advance(20 * DAY)
    assert invite(alice, person["urn"]).json()["code"] == "reinvite_blocked"
    sandbox.control.advance(1 * DAY + 60)
    assert invite(alice, person["urn"]).status_code == 201
    statuses = [i["status"] for i in sandbox.control.snapshot()["invitations"] if i["account"] == "alice"]
    assert statuses[:1] == ["withdrawn"] and len(statuses) == 2


def test_the_sent_invitations_page_lists_each_pending_invitation_with_a_withdraw_control(sandbox):
    alice = member(sandbox)
    people = [
        p for p in sandbox.control.people() if p["relations"]["alice"] == "DISTANCE_2" and not p["private"]
    ][:3]
    for p in people:
        assert invite(alice, p["urn"]).status_code == 201
    alice.post(WITHDRAW, json={"invitee": people[0]["urn"]})
    page = alice.get("/mynetwork/invitation-manager/sent/").text
    assert f'aria-label="Withdraw invitation sent to {people[0]["full_name"]}"' not in page
    for p in people[1:]:
        assert f'aria-label="Withdraw invitation sent to {p["full_name"]}"' in page
        assert f"/in/{p['public_id']}/" in page
