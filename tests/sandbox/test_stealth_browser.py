"""A stealth Chromium, paced like a person, raises no automation signal (so the signals can fail)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright
from playwright_stealth import Stealth

from openoutreach.linkedin.session import LAUNCH_ARGS

pytestmark = pytest.mark.browser

ARGS = list(LAUNCH_ARGS)


def test_stealth_chromium_is_not_flagged(sandbox):
    with Stealth().use_sync(sync_playwright()) as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        try:
            page = browser.new_context(base_url=sandbox.base_url).new_page()
            page.goto("/login")
            page.fill("input#username", "bob@sandbox.test")
            page.fill("input#password", "bob-pass")
            page.click('button[type="submit"]')
            page.wait_for_url("**/feed/")
            page.goto("/messaging/")
            page.wait_for_timeout(300)
            assert page.evaluate("navigator.webdriver") is False
        finally:
            browser.close()
    flagged = {s["kind"] for s in sandbox.control.bot_signals()["signals"] if s["account"] == "bob"}
    assert not flagged & {"webdriver", "headless_ua", "concurrent_sessions", "burst"}, flagged
    assert any(e["path"] == "/li/track" for e in sandbox.control.request_log("bob"))  # telemetry did arrive
