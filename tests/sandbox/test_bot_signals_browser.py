"""The sandbox records what a platform would flag about an account."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

INVITE = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"


def kinds(sandbox, account: str) -> set[str]:
    return {s["kind"] for s in sandbox.control.bot_signals()["signals"] if s["account"] == account}


def test_plain_headless_chromium_is_caught(sandbox, login):
    page = login("alice")
    page.goto("/mynetwork/invite-connect/connections/")
    page.wait_for_timeout(300)  # telemetry is a fire-and-forget beacon
    assert {"webdriver", "headless_ua"} <= kinds(sandbox, "alice")


def test_two_concurrent_sessions_of_one_account(sandbox, login):
    first, second = login("carol"), login("carol")
    first.goto("/feed/")
    second.goto("/feed/")
    first.goto("/messaging/")  # A, B, A: both sessions are in use at once
    assert "concurrent_sessions" in kinds(sandbox, "carol")


def test_a_relogin_that_abandons_the_old_session_is_not_concurrent(sandbox, login):
    old = login("bob")
    old.goto("/feed/")
    new = login("bob")
    new.goto("/messaging/")
    new.goto("/feed/")
    assert "concurrent_sessions" not in kinds(sandbox, "bob")


def test_off_hours_bursts_and_norms(sandbox, login, ui):
    control = sandbox.control
    start = (datetime.fromtimestamp(control.clock()["now"], ZoneInfo("UTC")).hour + 2) % 24
    control.update_account("alice", working_hours=[start, start + 1], timezone="UTC", daily_invite_norm=1)
    page = login("alice")
    targets = [p for p in control.people() if p["relations"]["alice"] == "DISTANCE_2" and not p["private"]][
        :2
    ]
    for person in targets:  # two invitations back to back: faster than a person
        response = page.request.post(
            INVITE,
            data={"invitee": {"inviteeUnion": {"memberProfile": person["urn"]}}},
            headers={"csrf-token": ui.csrf(page)},
        )
        assert response.status == 201
    assert {"outside_working_hours", "burst", "daily_norm"} <= kinds(sandbox, "alice")
    assert "weekly_norm" not in kinds(sandbox, "alice")
