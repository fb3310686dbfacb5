"""The review page over HTTP: order of the queue, the JSON answers, undo and skip, who may use it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from openoutreach.operator import review_queue
from openoutreach.outreach.models import ActionLog, Qualification

PASSWORD = "a-long-admin-password-42"


@pytest.fixture
def boss(workspace):
    return get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)


@pytest.fixture
def client_of(boss):
    def make(user=boss, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user)
        return client

    return make


def url(campaign, what: str = "") -> str:
    return f"/admin/review/{campaign.pk}/{what}"


def names(rows) -> list[str]:
    return [row.lead.linkedin.public_identifier for row in rows]


def test_the_queue_puts_the_most_uncertain_first_then_the_oldest(queue, campaign):
    assert names(review_queue.queue(campaign.pk)) == queue["order"]
    skipped = [queue["rows"]["held-unsure"].pk]
    assert names(review_queue.queue(campaign.pk, exclude=skipped)) == queue["order"][1:]


def test_answers_advance_the_queue_and_undo_brings_the_lead_back(queue, campaign, client_of):
    client = client_of()
    page = client.get(url(campaign))
    assert page.status_code == 200
    first = queue["rows"]["held-unsure"]
    assert f'data-card-id="{first.pk}"' in page.text
    assert "0 decided · 0 skipped · 5 waiting" in page.text
    assert "Heads of platform engineering" in page.text  # the campaign's target, for reference

    reply = client.post(url(campaign, "answer/"), {"id": first.pk, "answer": "fits"}).json()
    assert reply["id"] == queue["rows"]["disputed"].pk
    assert reply["progress"] == "1 decided · 0 skipped · 4 waiting"
    assert reply["message"].endswith("fits; deal released to New.")

    reply = client.post(url(campaign, "answer/"), {"id": reply["id"], "answer": "skip"}).json()
    assert reply["id"] == queue["rows"]["garbage-new"].pk
    assert reply["progress"] == "1 decided · 1 skipped · 4 waiting"

    reply = client.post(url(campaign, "undo/")).json()  # the skip
    assert reply["id"] == queue["rows"]["disputed"].pk
    reply = client.post(url(campaign, "undo/")).json()  # the decision
    assert reply["id"] == first.pk and reply["progress"] == "0 decided · 0 skipped · 5 waiting"
    first.refresh_from_db()
    assert (first.label, first.source) == (None, "llm")
    assert client.post(url(campaign, "undo/")).json()["message"] == "Nothing to undo."


def test_the_end_of_the_queue_offers_the_skipped_leads_again(queue, campaign, client_of):
    client = client_of()
    for name in queue["order"]:
        reply = client.post(url(campaign, "answer/"), {"id": queue["rows"][name].pk, "answer": "skip"}).json()
    assert reply["id"] is None and "review the skipped ones" in reply["card"]
    reply = client.post(url(campaign, "restart/")).json()
    assert reply["id"] == queue["rows"][queue["order"][0]].pk


def test_a_lead_decided_by_another_operator_is_reported_taken(queue, campaign, client_of):
    alice = get_user_model().objects.create_superuser("alice-op", "a@example.com", PASSWORD)
    row = queue["rows"]["held-unsure"]
    first = client_of(alice).post(url(campaign, "answer/"), {"id": row.pk, "answer": "no_fit"}).json()
    assert not first["taken"]
    second = client_of().post(url(campaign, "answer/"), {"id": row.pk, "answer": "fits"}).json()
    assert second["taken"] and "already decided: does not fit (by operator)" in second["message"]
    assert second["id"] == queue["rows"]["disputed"].pk  # and the next lead is there
    row.refresh_from_db()
    assert row.label == 0
    assert list(ActionLog.objects.filter(lead_id=row.lead_id, detail__contains="decided").values_list("detail", flat=True)) == [
        "alice-op decided: does not fit (was needs review by llm); deal stays Failed"
    ]  # fmt: skip


def test_bad_answers_are_refused_with_a_reason(queue, campaign, client_of):
    client = client_of()
    row = queue["rows"]["disputed"]
    reply = client.post(url(campaign, "answer/"), {"id": row.pk, "answer": "maybe"})
    assert reply.status_code == 400 and "fits, no_fit or skip" in reply.text
    reply = client.post(url(campaign, "answer/"), {"id": "x", "answer": "fits"})
    assert reply.status_code == 400 and "id must be" in reply.text
    assert client.get(url(campaign, "answer/")).status_code == 405
    assert client.post(url(campaign, "answer/"), {"id": 99999, "answer": "fits"}).status_code == 404
    assert Qualification.objects.get(pk=row.pk).label is None


def test_the_review_pages_need_the_admin_login_and_the_csrf_token(queue, campaign, client_of):
    anonymous = Client()
    for path in ("/admin/review/", url(campaign)):
        # DjangoCRM sends everyone but superusers to /crm/...; from there to the login page, back here after
        response = anonymous.get(path, follow=True)
        assert response.redirect_chain[-1][0] == f"/crm/login/?next={path}"
    row = queue["rows"]["disputed"]
    response = anonymous.post(url(campaign, "answer/"), {"id": row.pk, "answer": "fits"})
    assert response.status_code == 302

    strict = client_of(csrf=True)
    assert strict.post(url(campaign, "answer/"), {"id": row.pk, "answer": "fits"}).status_code == 403
    assert strict.post(url(campaign, "undo/")).status_code == 403
    assert Qualification.objects.get(pk=row.pk).label is None

    page = strict.get(url(campaign))
    token = page.cookies["csrftoken"].value
    reply = strict.post(
        url(campaign, "answer/"), {"id": row.pk, "answer": "fits"}, headers={"X-CSRFToken": token}
    )
    assert reply.status_code == 200 and Qualification.objects.get(pk=row.pk).label == 1


def test_the_index_the_menu_and_the_dashboard_show_the_count_waiting(queue, campaign, client_of):
    client = client_of()
    index = client.get("/admin/review/").text
    assert f'href="/admin/review/{campaign.pk}/"' in index and "<td data-waiting>5</td>" in index
    assert 'id="oo-review-link"' in index and "Review (5)" in index
    dashboard = client.get("/admin/dashboard/").text
    assert f'href="/admin/review/{campaign.pk}/">5 awaiting review' in dashboard


def test_the_page_says_what_the_last_qualify_run_did_and_what_is_still_doubted(queue, campaign, client_of):
    ActionLog.objects.create(
        campaign=campaign, kind="qualify", outcome="ok",
        detail="earned, 14 labels: 3 asked the LLM; second look: 0 held for review, 2 released",
    )  # fmt: skip
    client = client_of()
    client.post(url(campaign, "answer/"), {"id": queue["rows"]["held-unsure"].pk, "answer": "fits"})
    page = client.get(url(campaign)).text
    assert "second look: 0 held for review, 2 released" in page
    assert '<span data-loop="held">1</span> held lead the model still doubts' in page
    assert '<span data-loop="pending">1</span> of your answers are learned on the next qualify run' in page


def test_the_card_and_the_admin_show_the_further_opinions_the_second_look_asked(queue, campaign, client_of):
    row = queue["rows"]["held-unsure"]
    client = client_of()
    assert 'data-fact="further"' not in client.get(url(campaign)).text  # none asked: no line for them
    row.further = [
        {"prompt": "qualify_criteria", "answer": 0, "reason": "Misses the seniority criterion."},
        {"prompt": "qualify_buyer", "answer": 1, "reason": "Runs the platform team."},
    ]
    row.save(update_fields=["further"])

    page = client.get(url(campaign)).text
    said = "does not fit (criteria), fits (buyer)"
    assert f'<td data-fact="further">{said}</td>' in page
    assert f"Held: the LLM said it fits (further opinions: {said}), but the model" in page
    assert f'<span title="{said}">no, fits</span>' in client.get("/admin/outreach/qualification/").text
    assert said in client.get(f"/admin/outreach/qualification/{row.pk}/change/").text
