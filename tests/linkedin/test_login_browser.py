"""Login against the sandbox in real Chromium: success, checkpoint, wrong password, session reuse,
exactly one re-login after the session dies mid-run, and no automation flags in the bot-signal log."""

from __future__ import annotations

import json
import logging
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
from playwright.sync_api import Error as PlaywrightError

from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import CheckpointRequired, WrongCredentials
from openoutreach.linkedin.login import Credentials, LoginOutcome
from openoutreach.linkedin.session import BrowserSession

pytestmark = pytest.mark.browser


def test_login_lands_on_the_feed_and_saves_a_private_session(alice, sandbox, caplog):
    alice.session.discard_storage()
    alice._logged_in = False

    with caplog.at_level(logging.DEBUG):
        result = alice.ensure_logged_in()

    assert "alice-pass" not in caplog.text  # secrets are never logged

    assert result.outcome is LoginOutcome.LOGGED_IN
    assert alice.session.current_path() == "/feed/"
    path = alice.session.config.storage_state_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "li_at" in {c["name"] for c in json.loads(path.read_text())["cookies"]}
    assert count_logins(sandbox, "alice") == 1


def test_a_saved_session_is_reused_without_logging_in_again(alice, sandbox):
    alice.relogin()  # a fresh session on the freshly reset sandbox, saved to disk
    before = count_logins(sandbox, "alice")
    alice.close()  # the worker stops

    # A new browser (as after a worker restart) from the same storage file.
    reborn = LinkedInClient(BrowserSession(alice.session.config), alice.credentials, login_timeout_s=15)
    try:
        result = reborn.ensure_logged_in()
        assert result.outcome is LoginOutcome.REUSED
        assert reborn.fresh_logins == 0
        assert count_logins(sandbox, "alice") == before
        assert reborn.own_public_id() == "alice-anders-sandbox"
    finally:
        reborn.close()


def test_a_dead_saved_session_is_discarded_and_replaced(alice, sandbox):
    alice.relogin()
    kill_session_server_side(sandbox, alice)
    alice.close()
    before = count_logins(sandbox, "alice")

    result = alice.ensure_logged_in()

    assert result.outcome is LoginOutcome.LOGGED_IN
    assert count_logins(sandbox, "alice") == before + 1


def test_a_checkpoint_is_reported_with_reason_and_never_retried(sandbox, tmp_path):
    def run():
        dave = make(sandbox, "dave", tmp_path)
        try:
            with pytest.raises(CheckpointRequired) as caught:
                dave.ensure_logged_in()
            return caught.value
        finally:
            dave.close()

    error = in_own_thread(run)
    assert "/checkpoint/challenge/" in error.url
    assert "security check" in error.reason
    assert count_logins(sandbox, "dave") == 1


def test_a_wrong_password_stops_with_linkedins_message(sandbox, tmp_path):
    def run():
        bob = make(sandbox, "bob", tmp_path, password="not-bobs-password")
        try:
            with pytest.raises(WrongCredentials) as caught:
                bob.ensure_logged_in()
            return caught.value, bob.session.config.storage_state_path.exists()
        finally:
            bob.close()

    error, saved = in_own_thread(run)
    assert "Wrong email or password" in error.message
    assert not saved
    assert count_logins(sandbox, "bob") == 1


def test_a_401_mid_run_leads_to_exactly_one_relogin(alice, sandbox):
    alice.ensure_logged_in()
    alice.open("/feed/")
    kill_session_server_side(sandbox, alice)
    before = count_logins(sandbox, "alice")

    profile = alice.voyager.get_profile(any_person(sandbox))  # Voyager says 401 first

    assert profile.parsed.found
    assert count_logins(sandbox, "alice") == before + 1
    calls = [e for e in sandbox.control.request_log() if e["path"].startswith("/voyager/api/identity")]
    assert [e["status"] for e in calls[-2:]] == [401, 200]


def test_a_login_wall_mid_run_leads_to_exactly_one_relogin(alice, sandbox):
    alice.ensure_logged_in()
    alice.open("/feed/")
    kill_session_server_side(sandbox, alice)
    before = count_logins(sandbox, "alice")

    alice.open(f"/in/{any_person(sandbox)}/")

    assert alice.session.current_path().startswith("/in/")
    assert count_logins(sandbox, "alice") == before + 1


def test_no_webdriver_or_headless_flags_reach_the_site(alice, sandbox):
    alice.ensure_logged_in()
    for path in ("/feed/", f"/in/{any_person(sandbox)}/", "/feed/"):
        alice.open(path)
    alice.session.page.wait_for_timeout(500)  # telemetry beacons are sent after load

    signals = sandbox.control.bot_signals()
    flagged = [s for s in signals["signals"] if s["kind"] in ("webdriver", "headless_ua")]
    assert flagged == []
    telemetry = [e for e in sandbox.control.request_log("alice") if e["path"] == "/li/track"]
    assert telemetry, "the pages' telemetry never arrived, so the check above proves nothing"


def test_a_watchdog_kill_unblocks_a_hung_page_and_the_saved_session_is_reused(alice, sandbox):
    alice.ensure_logged_in()
    alice.open("/feed/")
    before = count_logins(sandbox, "alice")
    old_pids = alice.session.process_ids()
    sandbox.control.set_faults(account="alice", slow_seconds=60)
    watchdog = threading.Timer(1.0, alice.kill)  # what the browser worker's per-task watchdog does
    watchdog.start()
    started = time.monotonic()

    with pytest.raises(PlaywrightError):
        alice.open(f"/in/{any_person(sandbox)}/")

    assert time.monotonic() - started < 15
    watchdog.join()  # kill() returns once the processes are gone
    survivors = [psutil.Process(p) for p in old_pids if psutil.pid_exists(p)]
    assert [
        (p.pid, p.name(), p.status(), p.ppid()) for p in survivors if p.status() != psutil.STATUS_ZOMBIE
    ] == []
    sandbox.control.clear_faults(account="alice")
    assert alice.ensure_logged_in().outcome is LoginOutcome.REUSED  # a new browser from the saved storage
    alice.open(f"/in/{any_person(sandbox)}/")
    assert alice.session.current_path().startswith("/in/")
    assert count_logins(sandbox, "alice") == before


# --- helpers ---------------------------------------------------------------------------------


def count_logins(sandbox, account: str) -> int:
    return sum(
        1 for e in sandbox.control.request_log(account) if e["method"] == "POST" and e["path"] == "/login"
    )


def kill_session_server_side(sandbox, client: LinkedInClient) -> None:
    """Log the session out from another HTTP client: the browser's cookies are now dead on the site."""
    token = client.session.cookie("li_at")
    assert token
    httpx.get(f"{sandbox.base_url}/m/logout/", cookies={"li_at": token}, follow_redirects=False)


def any_person(sandbox) -> str:
    people = sandbox.control.people(limit=50)
    return next(p["public_id"] for p in people if not p["private"] and not p["is_account"])


def make(sandbox, handle: str, tmp_path, password: str | None = None) -> LinkedInClient:
    from openoutreach.linkedin.session import SessionConfig

    config = SessionConfig(sandbox.base_url, tmp_path / handle / "storage.json", speed=0, timeout_ms=15_000)
    return LinkedInClient(
        BrowserSession(config),
        Credentials(f"{handle}@sandbox.test", password or f"{handle}-pass"),
        login_timeout_s=15,
    )


def in_own_thread(fn):
    """Another account's browser runs in its own thread (Playwright's sync API: one per thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=120)
