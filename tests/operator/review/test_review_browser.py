"""The review page and the Qualification list in real Chromium against a live server, as an operator
uses them: keys decide and advance without a page load, undo restores the CRM, two operators never
decide the same lead twice, and both pages fit 1280 px without scrolling sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from openoutreach.outreach.models import ActionLog, DealState, Qualification
from openoutreach.pipeline import stages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a-long-admin-password-42"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", "/tmp/openoutreach-artifacts"))


def logged_in(chromium, live_server, username: str, width: int = 1400, height: int = 1000):
    if not get_user_model().objects.filter(username=username).exists():
        get_user_model().objects.create_superuser(username, f"{username}@example.com", PASSWORD)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def card_id(page) -> str:
    return page.locator("#oo-review").get_attribute("data-card-id")


def wait_for_card(page, previous: str) -> str:
    """The next card is there when the page's card id changed (the server answered)."""
    page.wait_for_function(
        "previous => document.getElementById('oo-review').dataset.cardId !== previous", arg=previous
    )
    return card_id(page)


def no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " ...Array.from(document.querySelectorAll('#changelist .results, #oo-card'))"
        ".flatMap(e => [e.scrollWidth, e.clientWidth])]"
    )
    pairs = list(zip(widths[::2], widths[1::2], strict=True))
    assert all(scroll <= client for scroll, client in pairs), pairs


def test_keys_decide_advance_without_a_page_load_and_undo_restores_the_crm(
    queue, campaign, chromium, live_server
):
    page = logged_in(chromium, live_server, "boss")
    page.click("#oo-review-link")
    assert page.locator("#oo-review-link").inner_text() == "Review (5)"
    page.click(f"#oo-review-campaigns a[href='/admin/review/{campaign.pk}/']")
    page.wait_for_selector("#oo-card article")
    page.evaluate("window.__sameDocument = true")  # gone if the page is ever loaded again

    rows = queue["rows"]
    first = rows["held-unsure"]
    assert card_id(page) == str(first.pk)
    card = page.locator("#oo-card").inner_text()
    for text in ("Unsure", "Head of Platform at Unsure Labs", "MIT, BSc, Computer Science", "Held: the LLM said it fits",
                 "0.45", "Failed (Held for review)"):  # fmt: skip
        assert text in card, text
    assert "Kubeflow" in page.locator(".oo-brief").inner_text()
    page.screenshot(path=str(ARTIFACTS / "review-1400.png"), full_page=True)

    page.keyboard.press("f")
    second = wait_for_card(page, str(first.pk))
    assert second == str(rows["disputed"].pk)
    assert page.locator("#oo-progress").inner_text() == "1 decided · 0 skipped · 4 waiting"
    assert "fits; deal released to New" in page.locator("#oo-message").inner_text()
    ds = DealState.objects.get(lead_id=first.lead_id)
    assert ds.state == stages.NEW

    page.keyboard.press("d")
    third = wait_for_card(page, second)
    assert third == str(rows["garbage-new"].pk)
    page.keyboard.press("s")
    fourth = wait_for_card(page, third)
    assert fourth == str(rows["held-sure"].pk)
    assert page.locator("#oo-progress").inner_text() == "2 decided · 1 skipped · 3 waiting"

    page.keyboard.press("u")  # the skip
    assert wait_for_card(page, fourth) == third
    page.keyboard.press("u")  # "does not fit" on the disputed lead
    assert wait_for_card(page, third) == second
    disputed = Qualification.objects.get(pk=rows["disputed"].pk)
    assert (disputed.label, disputed.source) == (None, "llm")
    page.keyboard.press("u")  # "fits" on the held lead: its deal is held again
    assert wait_for_card(page, second) == str(first.pk)
    first.refresh_from_db()
    assert (first.label, first.source) == (None, "llm")
    ds.refresh_from_db()
    assert ds.state == stages.FAILED and ds.deal.closing_reason.name == stages.HELD_FOR_REVIEW
    assert page.locator("#oo-progress").inner_text() == "0 decided · 0 skipped · 5 waiting"

    page.click("#oo-card button[data-answer=no_fit]")  # the buttons do the same
    wait_for_card(page, str(first.pk))
    first.refresh_from_db()
    assert (first.label, first.source) == (0, "operator")
    assert ActionLog.objects.filter(
        lead_id=first.lead_id, detail__startswith="boss decided: does not fit"
    ).exists()
    assert page.evaluate("window.__sameDocument") is True


def test_two_operators_never_decide_the_same_lead_twice(queue, campaign, chromium, live_server):
    alice = logged_in(chromium, live_server, "alice-op")
    bob = logged_in(chromium, live_server, "bob-op")
    for page in (alice, bob):
        page.goto(f"/admin/review/{campaign.pk}/")
    row = queue["rows"]["held-unsure"]
    assert card_id(alice) == card_id(bob) == str(row.pk)

    alice.keyboard.press("f")
    wait_for_card(alice, str(row.pk))
    bob.keyboard.press("d")
    assert wait_for_card(bob, str(row.pk)) == str(queue["rows"]["disputed"].pk)
    message = bob.locator("#oo-message")
    assert "was taken meanwhile" in message.inner_text() and "already decided: fits" in message.inner_text()
    assert bob.locator("#oo-progress").inner_text() == "0 decided · 0 skipped · 4 waiting"

    row.refresh_from_db()
    assert (row.label, row.source) == (1, "operator")
    deciders = ActionLog.objects.filter(lead_id=row.lead_id, detail__contains=" decided: ")
    assert [d.detail.split(" ")[0] for d in deciders] == ["alice-op"]


def test_the_review_page_fits_1280_by_800(queue, campaign, chromium, live_server):
    page = logged_in(chromium, live_server, "boss", width=1280, height=800)
    page.goto(f"/admin/review/{campaign.pk}/")
    no_sideways_scroll(page)
    buttons = page.locator("#oo-card .oo-buttons").bounding_box()
    assert buttons["x"] + buttons["width"] <= 1280 and buttons["y"] + buttons["height"] <= 800  # no scrolling
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-1280x800.png"))


def test_the_list_is_one_line_per_row_and_bulk_actions_label_many_leads(
    many_waiting, campaign, chromium, live_server
):
    page = logged_in(chromium, live_server, "boss", width=1280, height=800)
    page.goto("/admin/outreach/qualification/?decision=review")
    no_sideways_scroll(page)
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('#result_list tbody tr')).map(r => r.offsetHeight)"
    )
    assert len(heights) == 41 and max(heights) < 2 * min(heights)  # one line each, however long the reason
    reason = page.locator("#result_list .oo-reason-line").first
    assert reason.get_attribute("title").startswith("needs review: the LLM says the lead fits")
    page.screenshot(path=str(ARTIFACTS / "qualification-list-1280x800.png"))
    filters = page.locator("#changelist-filter").inner_text()
    assert "fits" in filters and "does not fit" in filters and "needs review" in filters

    page.check("#action-toggle")  # all 41
    page.select_option("select[name=action]", "mark_fits")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist")
    assert "Marked 41 lead(s) as fits (41 deal(s) moved" in page.locator("ul.messagelist").inner_text()
    assert Qualification.objects.filter(campaign=campaign, label=1, source="operator").count() == 41
    assert DealState.objects.filter(campaign=campaign, state=stages.NEW).count() == 41

    page.goto("/admin/outreach/qualification/?decision=fits")
    page.locator("#result_list tr", has_text="P7 Person").locator("input.action-select").check()
    page.select_option("select[name=action]", "mark_no_fit")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist")
    p7 = Qualification.objects.get(lead__first_name="P7")
    assert (p7.label, DealState.objects.get(lead=p7.lead).state) == (0, stages.FAILED)


def test_the_label_set_in_the_form_goes_through_the_same_decision(queue, chromium, live_server):
    page = logged_in(chromium, live_server, "boss")
    row = queue["rows"]["held-unsure"]
    page.goto(f"/admin/outreach/qualification/{row.pk}/change/")
    page.fill("input[name=label]", "1")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    assert "fits: deal released to new" in page.locator("ul.messagelist").inner_text().lower()
    row.refresh_from_db()
    assert (row.label, row.source) == (1, "operator")
    assert DealState.objects.get(lead_id=row.lead_id).state == stages.NEW
