"""The admin pages in real Chromium against a live server, as an operator uses them."""

from __future__ import annotations

import csv

import pytest
from django.utils import timezone

from openoutreach.outreach.models import (
    ActionLog,
    DealState,
    DoNotContact,
    Lane,
    LanePauseReason,
    LegalAcceptance,
    LinkedInAccount,
    Qualification,
    SearchKeyword,
)
from openoutreach.pipeline.campaigns import campaigns_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def run_action(page, action: str, *labels: str) -> None:
    for label in labels:
        page.locator("#result_list tr", has_text=label).locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_a_campaign_shows_people_per_state_and_its_keywords_and_accounts_are_edited_inline(
    pipeline, campaign, alice, bob, admin_page
):
    page = admin_page
    page.goto("/admin/outreach/campaign/")
    row = page.locator("#result_list tr", has_text="devops").inner_text()
    assert "3 discovered · 3 enriched · 2 qualified · 1 disqualified · 1 pending · 1 connected" in row

    page.click("#result_list a:text('devops')")
    for state, expected in pipeline["funnel"].items():
        assert page.locator(f"td[data-state='{state}']").inner_text() == str(expected)
    page.fill("#id_keywords-0-keyword", "platform engineering")
    page.locator("label", has_text="bob").locator("input").uncheck()
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/outreach/campaign/")

    assert list(SearchKeyword.objects.values_list("keyword", flat=True)) == ["platform engineering"]
    assert list(campaigns_of(alice)) == [campaign] and list(campaigns_of(bob)) == []


def test_a_campaign_exports_its_leads_and_states_as_csv(pipeline, campaign, admin_page, tmp_path):
    page = admin_page
    page.goto("/admin/outreach/campaign/")
    with page.expect_download() as download:
        run_action(page, "export_leads", "devops")
    path = tmp_path / "export.csv"
    download.value.save_as(path)

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == Qualification.objects.filter(campaign=campaign).count() == 8
    by_id = {r["public_id"]: r for r in rows}
    for ds in DealState.objects.select_related("lead__linkedin"):
        exported = by_id[ds.lead.linkedin.public_identifier]
        assert exported["state"] == ("qualified" if ds.state == "New" else ds.state.lower())
        assert exported["account"] == (ds.account.handle if ds.account else "")
    assert by_id["no-fit"]["state"] == "disqualified" and by_id["no-fit"]["label_source"] == "model"
    assert by_id["needs-review"]["state"] == "needs review"
    assert by_id["deal-a"]["headline"] == "Head of Platform at Fit Labs"
    assert by_id["deal-a"]["country_code"] == "us" and by_id["deal-a"]["probability"] == "0.950"


def test_account_passwords_are_write_only_and_accounts_pause_and_resume(
    pipeline, campaign, alice, admin_page
):
    page = admin_page
    page.goto(f"/admin/outreach/linkedinaccount/{alice.pk}/change/")
    html = page.content()
    assert "alice-pass" not in html and alice.password_encrypted not in html
    assert page.locator("input[name=password]").input_value() == ""
    assert page.locator("tr[data-kind=connect]").inner_text().split()[1:4] == [
        "3",
        "/",
        str(alice.connect_daily_limit),
    ]

    page.fill("input[name=password]", "n3w-Secret-pass")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert "n3w-Secret-pass" not in page.content()
    alice.refresh_from_db()
    assert alice.get_password() == "n3w-Secret-pass" and "n3w-Secret" not in alice.password_encrypted

    page.goto("/admin/outreach/linkedinaccount/")
    run_action(page, "pause_accounts", "alice")
    page.wait_for_selector("ul.messagelist")
    alice.refresh_from_db()
    assert alice.status == "paused" and alice.paused_reason == "paused by boss in the admin"
    assert "Paused" in page.locator("#result_list tr", has_text="alice").inner_text()
    run_action(page, "resume_accounts", "alice")
    page.wait_for_selector("ul.messagelist")
    alice.refresh_from_db()
    assert alice.status == "ok" and alice.paused_reason == ""


def test_an_account_added_in_the_admin_gets_its_user_and_campaigns(campaign, admin_page):
    page = admin_page
    page.goto("/admin/outreach/linkedinaccount/add/")
    page.fill("input[name=handle]", "carol")
    page.fill("input[name=username]", "carol@example.com")
    page.fill("input[name=password]", "carol-Secret-1")
    page.locator("label", has_text="devops").locator("input").check()
    page.click("input[name=_save]")
    # An active account needs the legal notice accepted first, in the admin as everywhere else.
    page.wait_for_selector(".errorlist")
    assert "legal notice" in page.locator(".errorlist").first.inner_text()
    assert not LinkedInAccount.objects.filter(handle="carol").exists()
    page.fill("input[name=password]", "carol-Secret-1")
    page.check("input[name=accept_legal_notice]")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/outreach/linkedinaccount/")

    carol = LinkedInAccount.objects.get(handle="carol")
    assert carol.user.username == "carol" and not carol.user.has_usable_password()
    assert carol.get_password() == "carol-Secret-1"
    assert list(campaigns_of(carol)) == [campaign]
    assert LegalAcceptance.objects.filter(via="admin").exists()
    assert carol.warmup_started_on == timezone.localdate(), "a new account warms up from the day it is added"

    carol.pause_lane(Lane.CONNECT, LanePauseReason.PAGE_CHANGED, "no Connect control")
    page.goto("/admin/outreach/linkedinaccount/")
    row = page.locator("#result_list tr", has_text="carol")
    assert "connect paused: linkedin's page may have changed: see captures" in row.inner_text().lower()
    run_action(page, "resume_lanes", "carol")
    page.wait_for_selector("ul.messagelist")
    assert carol.paused_lanes() == []


def test_the_audit_trail_is_read_only_and_filters(pipeline, admin_page):
    page = admin_page
    page.goto("/admin/outreach/actionlog/")
    assert page.locator(".object-tools a.addlink").count() == 0
    assert page.locator("tr.model-actionlog a.addlink").count() == 0
    assert page.locator("tr.model-donotcontact a.addlink").count() == 1  # (the sidebar does show add links)
    page.goto("/admin/outreach/actionlog/?outcome__exact=failed")
    failed = ActionLog.objects.filter(outcome="failed")
    assert page.locator("#result_list tbody tr").count() == failed.count() == 1
    page.goto(f"/admin/outreach/actionlog/{failed.get().pk}/change/")
    assert "the Connect button is missing" in page.content()
    assert page.locator("input[name=_save]").count() == 0


def test_leads_and_deals_show_a_readable_profile_summary(pipeline, admin_page, tmp_path):
    page = admin_page
    lead = pipeline["deals"]["a"].lead
    page.goto(f"/admin/crm/lead/{lead.pk}/change/")
    summary = page.locator(".oo-profile").inner_text()
    for text in (
        "A Fit",
        "Head of Platform at Fit Labs",
        "Austin, Texas, United States (US)",
        "Head of Platform at Fit Labs (03/2021 – now)",
        "SRE at Globex (2016 – 02/2021)",
        "MIT, BSc, Computer Science",
        "devops: fits (by llm, p=0.95) — platform lead at a SaaS",
        "devops: deal Pending by alice",
    ):
        assert text in summary, text
    page.screenshot(path=str(tmp_path / "lead.png"))

    page.goto(f"/admin/crm/deal/{pipeline['deals']['a'].deal_id}/change/")
    assert "Head of Platform at Fit Labs" in page.locator(".oo-profile").inner_text()
    page.goto(f"/crm/crm/lead/{lead.pk}/change/")
    assert "Head of Platform at Fit Labs" in page.locator(".oo-profile").inner_text()

    page.goto("/admin/outreach/qualification/?campaign__id__exact=" + str(pipeline["deals"]["a"].campaign_id))
    table = page.locator("#result_list").inner_text()
    assert "needs review" in table and "0.95" in table and "0.04" in table


def test_the_do_not_contact_list_is_kept_in_the_admin(workspace, admin_page):
    page = admin_page
    page.goto("/admin/outreach/donotcontact/add/")
    page.select_option("select[name=kind]", "profile")
    page.fill("input[name=value]", "https://example.com/in/jane")
    page.click("input[name=_save]")
    assert "not a LinkedIn profile URL" in page.locator(".errorlist").inner_text()

    page.fill("input[name=value]", "https://www.linkedin.com/in/Jane-Doe/?trk=x")
    page.fill("input[name=reason]", "asked by e-mail")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/outreach/donotcontact/")
    entry = DoNotContact.objects.get()
    assert (entry.kind, entry.key, entry.reason) == ("profile", "jane-doe", "asked by e-mail")
