"""The operator's first five minutes in real Chromium: the admin lands on the product, shows none of the
CRM parts the product does not use, draws its icons with a font it serves itself, sends no request to any
other host and shows no raw keys. Screenshots (1400 px wide) are kept under ARTIFACTS_DIR (default: the
system temp dir's openoutreach-artifacts/)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from openoutreach.operator import review_queue
from openoutreach.outreach.models import ActionLog, Lane, LanePauseReason, LinkedInAccount

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(tempfile.gettempdir()) / "openoutreach-artifacts"))
HIDDEN_FROM_MENUS = [
    "Income Summary", "IncomeStat", "Sales funnel", "Chat", "Messages", "Reminders", "Requests", "Memos",
    "Tasks", "Projects", "Mailing Outs", "Email Accounts", "Payments", "Products", "Shipments",
    "Emails in CRM", "Help pages", "Stop Phrases", "Connections",
]  # fmt: skip
PAGES = [
    "/admin/",
    "/admin/dashboard/",
    "/admin/review/",
    "/admin/outreach/campaign/",
    "/admin/outreach/linkedinaccount/",
    "/admin/outreach/actionlog/",
    "/admin/crm/deal/",
    "/admin/crm/lead/",
    "/admin/crm/company/",
]
RAW_KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")  # LOW_PRIORITY, EVENT_BUSY...
# The lanes' and the audit trail's own keys ("follow_up", "check_pending"): the UI shows their labels.
LANE_KEYS = sorted({v for v in [*Lane.values, *ActionLog.Kind.values, *ActionLog.Outcome.values] if "_" in v})
RAW_LANE_KEY = re.compile(r"\b(?:" + "|".join(LANE_KEYS) + r")\b")


def shoot(page, name: str) -> Path:
    path = ARTIFACTS / "operator" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def offline_page(admin_page, live_server):
    """The logged-in page, with every request to a host other than the test server recorded and refused."""
    own = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def guard(route):
        if urlsplit(route.request.url).netloc in (own, ""):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    admin_page.context.route("**/*", guard)
    admin_page.elsewhere = elsewhere
    return admin_page


def test_after_login_the_admin_lands_on_the_product(pipeline, campaign, bob, admin_page):
    page = admin_page
    assert page.url.endswith("/admin/")
    shoot(page, "landing")

    row = page.locator(f'#oo-home-campaigns tr[data-campaign="{campaign.pk}"]')
    assert "devops" in row.inner_text()
    assert "3 discovered · 3 enriched · 2 qualified · 1 disqualified · 1 pending" in row.inner_text()
    waiting = review_queue.waiting_counts()[campaign.pk]
    assert waiting > 0 and f"{waiting} awaiting review" in row.inner_text()
    assert f"Review ({waiting} waiting)" in page.locator("#oo-overview").inner_text()

    assert "OK" in page.locator('#oo-home-accounts tr[data-account="alice"]').inner_text()
    assert "Paused" in page.locator('#oo-home-accounts tr[data-account="bob"]').inner_text()
    assert "captcha challenge" in page.locator('#oo-home-accounts tr[data-account="bob"]').inner_text()
    failures = page.locator("#oo-home-failures").inner_text()
    assert "the Connect button is missing" in failures

    page.click(f'#oo-home-campaigns tr[data-campaign="{campaign.pk}"] a:text("awaiting review")')
    page.wait_for_url(f"**/admin/review/{campaign.pk}/")


def test_crm_parts_the_product_does_not_use_are_hidden_from_the_menus(workspace, admin_page):
    page = admin_page
    for path in ("/admin/", "/admin/crm/deal/", "/crm/"):
        page.goto(path)
        # The index pages list apps in #content-main; the other pages in the sidebar.
        menus = (
            page.locator("#content-main").all_inner_texts() + page.locator("#nav-sidebar").all_inner_texts()
        )
        text = "\n".join(menus)
        for name in HIDDEN_FROM_MENUS:
            assert name not in text, f"{name!r} is still in the menus of {path}"
        assert "Deals" in text and "Leads" in text, path
    shoot(page, "crm-index")
    page.goto("/admin/crm/deal/")
    sidebar = page.locator("#nav-sidebar caption").all_inner_texts()
    assert [c.strip().upper() for c in sidebar[:2]] == ["OUTREACH", "CRM"]  # the product's own apps first
    assert "Campaigns" in page.locator("#nav-sidebar").inner_text()

    # Hidden from the menus only: the pages themselves still answer (DjangoCRM links to some of them).
    response = page.goto("/admin/crm/currency/")
    assert response.status == 200


def test_icons_come_from_the_projects_font_and_no_request_leaves_the_machine(pipeline, offline_page):
    page = offline_page
    icons_seen = 0
    # Lanes and kinds whose keys have an underscore, where the pages show them: a paused lane, a failure.
    alice = LinkedInAccount.objects.get(handle="alice")
    alice.pause_lane(Lane.FOLLOW_UP, LanePauseReason.OPERATOR, "paused for the test")
    ActionLog.objects.create(account=alice, kind="check_pending", outcome="not_found", detail="no badge")
    pages = [*PAGES, f"/admin/outreach/linkedinaccount/{alice.pk}/change/"]
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        shoot(page, path.strip("/").replace("/", "-") or "index")
        # Each icon is one glyph about as wide as it is tall, not a word like "event_busy".
        sizes = page.eval_on_selector_all(
            "i.material-icons",
            "els => els.filter(e => e.offsetParent).map(e => [e.textContent.trim(), e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
        )
        for name, width, height in sizes:
            assert width <= 1.5 * height, (
                f"icon {name!r} on {path} is drawn as text ({width:.0f}x{height:.0f})"
            )
        icons_seen += len(sizes)
        if sizes:
            assert page.evaluate("document.fonts.check('24px \"Material Icons\"')"), path
        visible = page.evaluate(
            "() => { const b = document.body.cloneNode(true);"
            " b.querySelectorAll('i.material-icons, script, style').forEach(e => e.remove());"
            " document.documentElement.appendChild(b); const t = b.innerText; b.remove(); return t; }"
        )
        raw = RAW_KEY.findall(visible) + RAW_LANE_KEY.findall(visible)
        assert not raw, f"raw keys on {path}: {raw}"
    assert icons_seen > 0  # the pages do draw icons, so the check above checked something
    assert page.elsewhere == [], f"requests to other hosts: {page.elsewhere}"
