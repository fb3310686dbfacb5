"""The dashboard in real Chromium against a live server: the numbers in the page are the database's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from openoutreach.outreach.models import ActionLog

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_dashboard_shows_the_funnel_usage_decisions_health_and_failures(
    pipeline, alice, bob, admin_page, tmp_path
):
    page = admin_page
    page.click("#oo-dashboard-link")
    page.wait_for_url("**/admin/dashboard/")

    for state, expected in pipeline["funnel"].items():
        cell = page.locator(f'td.oo-count[data-campaign="devops"][data-state="{state}"]')
        assert cell.inner_text() == str(expected), state
        bar = page.locator(f'#oo-funnels svg rect[data-name="{state}"]')
        assert bar.get_attribute("data-value") == str(expected)

    row = page.locator('#oo-accounts tr[data-account="alice"]')
    for kind, expected in pipeline["alice_today"].items():
        cell = row.locator(f'td[data-kind="{kind}"]')
        assert cell.get_attribute("data-today") == str(expected), kind
    assert row.locator('td[data-kind="connect"]').get_attribute("data-cap") == str(alice.connect_daily_limit)
    week_start = timezone.now().date() - timedelta(days=timezone.now().weekday())
    invitations_this_week = ActionLog.objects.filter(
        account=alice, kind="connect", outcome="ok", at__date__gte=week_start
    ).count()
    assert row.locator('td[data-kind="connect-week"]').get_attribute("data-week") == str(
        invitations_this_week
    )
    assert row.locator("td[data-health]").get_attribute("data-health") == "ok"
    bob_health = page.locator('#oo-accounts tr[data-account="bob"] td[data-health]')
    assert bob_health.get_attribute("data-health") == "paused"
    assert "captcha challenge" in bob_health.inner_text()

    chart = page.locator('#oo-activity div[data-account="alice"] svg')
    today = timezone.now().date()
    expected_bars = {(today, "connect"): 3, (today, "follow_up"): 1}
    for days_ago, kind, n in pipeline["alice_history"]:
        expected_bars[(today - timedelta(days=days_ago), kind)] = n
    for (day, kind), n in expected_bars.items():
        bar = chart.locator(f'rect[data-day="{day:%m-%d}"][data-series="{kind}"]')
        assert bar.get_attribute("data-value") == str(n), (day, kind)
        assert bar.get_attribute("data-cap") == str(
            getattr(alice, f"{'followup' if kind == 'follow_up' else kind}_daily_limit")
        )
    assert chart.locator("rect[data-series=connect]").count() == 14

    decisions = page.locator('#oo-decisions tr[data-campaign="devops"]')
    expected = pipeline["decisions"]
    assert decisions.locator("td[data-llm-calls]").inner_text() == str(expected["llm_calls"])
    for source in ("llm", "model", "rule", "operator"):
        assert decisions.locator(f'td[data-source="{source}"]').inner_text() == str(expected[source]), source
    assert decisions.locator("td[data-automatic]").inner_text() == str(expected["automatic"])

    failures = page.locator("#oo-failures tbody tr").all_inner_texts()
    assert any("the Connect button is missing" in row and "failed" in row.lower() for row in failures)
    assert any("captcha challenge" in row and "checkpoint" in row for row in failures)

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    print(f"dashboard screenshot: {shot}")


def test_the_dashboard_needs_the_admin_login(live_server, chromium, workspace):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/admin/dashboard/")
    assert "/login/" in page.url
    assert page.locator("#oo-funnels").count() == 0
    context.close()
