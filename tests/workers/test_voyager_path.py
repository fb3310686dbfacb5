"""An account moved to Voyager's GraphQL path stays there: the browser worker saves the move on the account
(the admin shows it), records the path of every enrichment, and a restarted worker starts on GraphQL."""

from __future__ import annotations

from datetime import time as clock

import pytest

from openoutreach.celery import app
from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import ActionLog
from openoutreach.pipeline import leads

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def alice(alice):
    """alice works around the clock here: the worker re-checks her working hours before every view."""
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    return alice


def voyager_calls(sandbox) -> list[tuple[str, int]]:
    """("rest" | "graphql", status) of alice's Voyager profile requests, in order."""
    return [
        ("rest" if e["path"].startswith("/voyager/api/identity/") else "graphql", e["status"])
        for e in sandbox.control.request_log("alice")
        if e["path"].startswith(("/voyager/api/identity/", "/voyager/api/graphql"))
    ]


def test_a_rest_410_moves_the_account_for_good_even_across_a_worker_restart(sandbox, alice, browser_worker):
    env = {"VOYAGER_GRAPHQL_QUERY_ID": sandbox.control.health()["voyager_graphql_query_id"]}
    people = [
        p for p in sandbox.control.people(limit=200) if not p["private"] and not p["is_account"] and not p["voyager"]["graphql"]
    ][:4]  # fmt: skip
    ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]
    worker = browser_worker("alice", env_extra=env)
    sandbox.control.set_faults(account="alice", voyager_rest_gone=True)

    first = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids[:2]}).get(timeout=240)

    assert sorted(first["enriched"]) == sorted(ids[:2])
    alice.refresh_from_db()
    assert alice.voyager_path == "graphql" and alice.voyager_switched_at is not None
    calls = voyager_calls(sandbox)
    assert calls.count(("rest", 410)) == 1 and calls[-2:] == [("graphql", 200)] * 2
    assert calls[calls.index(("rest", 410)) + 1 :] == [("graphql", 200)] * 2  # never back to REST
    details = ActionLog.objects.filter(kind="enrich", outcome="ok", account=alice).values_list(
        "detail", flat=True
    )
    assert len(details) == 2 and all(d.startswith("voyager_path=graphql") for d in details)

    worker.stop()
    sandbox.control.clear_faults()  # REST would answer again: the account stays where it was moved
    browser_worker("alice", name="browser-alice-restarted", env_extra=env)
    before = len(voyager_calls(sandbox))
    second = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids[2:]}).get(
        timeout=240
    )

    assert sorted(second["enriched"]) == sorted(ids[2:])
    assert voyager_calls(sandbox)[before:] == [("graphql", 200)] * 2
    alice.refresh_from_db()
    assert alice.voyager_path == "graphql"


def test_the_admin_says_when_and_why_an_account_moved(client, django_user_model, alice):
    from django.utils import timezone

    client.force_login(
        django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-pass-1")
    )
    admin_client = client
    page = admin_client.get(f"/admin/outreach/linkedinaccount/{alice.pk}/change/").content.decode()
    assert "REST (identity/dash/profiles)" in page

    alice.record_voyager_path("graphql", timezone.now())
    page = admin_client.get(f"/admin/outreach/linkedinaccount/{alice.pk}/change/").content.decode()

    assert "<strong>GraphQL</strong>: switched on " in page and "410 Gone" in page
    assert "VOYAGER_GRAPHQL_QUERY_ID" in page
    assert alice.record_voyager_path("graphql", timezone.now()) is False  # no second stamp for no change


def test_enrichment_and_check_pending_on_the_graphql_path(sandbox, campaign, alice, browser_worker):
    import httpx

    from openoutreach.outreach.models import DealState
    from openoutreach.pipeline import stages, transitions

    alice.record_voyager_path("graphql", alice.created_at)  # moved earlier: the worker starts there
    browser_worker(
        "alice", env_extra={"VOYAGER_GRAPHQL_QUERY_ID": sandbox.control.health()["voyager_graphql_query_id"]}
    )
    people = sorted(
        (p for p in sandbox.control.people(limit=400)
         if not p["private"] and not p["is_account"] and p["voyager"]["relationship"] == "present"
         and p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3")),
        key=lambda p: -p["accept_prob"],
    )[:3]  # fmt: skip
    ids = [
        leads.discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"], alice).lead.pk
        for p in people
    ]

    report = app.send_task("browser.enrich", kwargs={"account": "alice", "lead_ids": ids}).get(timeout=240)

    assert sorted(report["enriched"]) == sorted(ids)
    details = ActionLog.objects.filter(kind="enrich", outcome="ok", account=alice).values_list(
        "detail", flat=True
    )
    assert all(d.startswith("voyager_path=graphql") for d in details) and len(details) == 3
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as http:  # what alice's Connect clicks post
        http.post("/login", data={"session_key": "alice@sandbox.test", "session_password": "alice-pass"})
        http.headers["csrf-token"] = http.cookies["JSESSIONID"].strip('"')
        for p in people:
            r = http.post(
                "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
                json={"invitee": {"inviteeUnion": {"memberProfile": p["urn"]}}},
            )
            assert r.status_code == 201, r.text
    deals = [
        transitions.mark_pending(transitions.promote(leads.Lead.objects.get(pk=i), campaign, 0.5), alice, 24)
        for i in ids
    ]
    sandbox.control.advance(30 * 24 * 3600)  # a month later: whoever accepts has accepted
    invitations = {i["person"]: i["status"] for i in sandbox.control.snapshot()["invitations"]}
    marker = len(sandbox.control.request_log("alice"))

    app.send_task(
        "browser.check_pending", kwargs={"account": "alice", "deal_state_ids": [d.pk for d in deals]}
    ).get(timeout=240)

    for p, deal in zip(people, deals, strict=True):
        state = DealState.objects.get(pk=deal.pk).state
        assert (state == stages.CONNECTED) == (invitations[p["public_id"]] == "accepted"), (
            p["public_id"],
            state,
        )
        assert (state == stages.PENDING) == (invitations[p["public_id"]] == "pending"), (
            p["public_id"],
            state,
        )
    assert "accepted" in invitations.values()
    during = sandbox.control.request_log("alice")[marker:]
    assert [e["path"] for e in during if e["path"].startswith("/voyager/api/")] == [
        "/voyager/api/graphql"
    ] * 3
    assert not [e for e in during if e["path"].startswith("/in/")], (
        "the relationship came from Voyager, not the page"
    )
    assert not [
        e for e in sandbox.control.request_log("alice") if e["path"].startswith("/voyager/api/identity/")
    ]
