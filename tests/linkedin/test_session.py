"""The browser session: stealth Chromium, private storage state, human typing, discovery, hard kill."""

from __future__ import annotations

import json
import random
import stat
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from openoutreach.linkedin import session as session_mod
from openoutreach.linkedin.errors import BrowserNotFound
from openoutreach.linkedin.human import KEY_DELAY_S, Humanizer
from openoutreach.linkedin.session import BrowserSession, SessionConfig, find_browser, proxy_settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One real Chromium for the module (storage under a directory that does not exist yet)."""
    root = tmp_path_factory.mktemp("session")
    s = BrowserSession(
        SessionConfig("http://127.0.0.1:9", root / "accounts" / "alice" / "state.json", speed=0)
    )
    yield s
    s.close()


def test_stealth_hides_automation(browser):
    browser.page.set_content("<p>hello</p>")
    webdriver, agent, platform = browser.page.evaluate(
        "[navigator.webdriver, navigator.userAgent, navigator.platform]"
    )

    assert webdriver is False
    assert "HeadlessChrome" not in agent and "Linux" in agent
    assert platform == "Linux x86_64"  # consistent with the UA (stealth's default would say Win32)


def test_storage_state_is_owner_only_and_atomic(browser):
    browser.context.add_cookies([{"name": "li_at", "value": "secret-session", "url": "http://127.0.0.1:9"}])
    browser.save_storage()

    path = browser.config.storage_state_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert [c["value"] for c in json.loads(path.read_text())["cookies"]] == ["secret-session"]
    assert browser.cookie("li_at") == "secret-session"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp file left behind

    browser.discard_storage()
    assert not path.exists() and browser.cookie("li_at") is None


def test_csrf_token_is_jsessionid_without_quotes(browser):
    browser.context.add_cookies([{"name": "JSESSIONID", "value": '"ajax:123"', "url": "http://127.0.0.1:9"}])

    assert browser.csrf_token() == "ajax:123"


def test_every_key_gets_its_own_random_delay(browser):
    delays: list[float] = []
    human = Humanizer(speed=1.0, rng=random.Random(7), sleep=delays.append)
    browser.page.set_content('<input id="q"><div id="ed" contenteditable="true"></div>')

    human.type_into(browser.page.locator("#q"), "hello world")

    assert browser.page.input_value("#q") == "hello world"
    assert len(delays) == len("hello world") and len(set(delays)) == len(delays)
    assert all(KEY_DELAY_S[0] <= d <= KEY_DELAY_S[1] for d in delays)


def test_newlines_do_not_press_a_bare_enter(browser):
    browser.page.set_content(
        '<form onsubmit="document.title=\'submitted\'; return false"><textarea id="t"></textarea></form>'
    )
    Humanizer(speed=0).type_into(browser.page.locator("#t"), "line one\nline two")

    assert browser.page.input_value("#t") == "line one\nline two"
    assert browser.page.title() != "submitted"


def test_speed_zero_never_sleeps():
    slept: list[float] = []
    human = Humanizer(speed=0, sleep=slept.append)
    human.wait()
    human.read_page()

    assert slept == []
    with pytest.raises(ValueError, match="speed"):
        Humanizer(speed=-1)


def in_own_thread(fn):
    """Run `fn` in a fresh thread: Playwright's sync API allows one browser session per thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=120)


def test_a_second_session_in_one_thread_is_refused_clearly(browser, tmp_path):
    browser.page  # noqa: B018 - the module browser is running in this thread
    other = BrowserSession(SessionConfig("http://127.0.0.1:9", tmp_path / "s.json", speed=0))
    with pytest.raises(RuntimeError, match="one per thread"):
        other.start()


def test_a_broken_storage_file_is_set_aside_and_the_browser_still_starts(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{half a json")

    def run():
        s = BrowserSession(SessionConfig("http://127.0.0.1:9", path, speed=0))
        try:
            s.page.set_content("<p>ok</p>")
            return s.page.inner_text("p")
        finally:
            s.close()

    assert in_own_thread(run) == "ok"
    assert (tmp_path / "state.json.broken").read_text() == "{half a json"


def test_kill_takes_down_the_whole_tree_and_the_next_use_restarts(tmp_path):
    in_own_thread(lambda: _kill_and_restart(tmp_path))


def _kill_and_restart(tmp_path):
    s = BrowserSession(SessionConfig("http://127.0.0.1:9", tmp_path / "state.json", speed=0))
    try:
        s.page.set_content("<p>one</p>")
        pids = s.process_ids()
        assert len(pids) >= 3  # driver + browser + its helpers

        s.kill()

        assert not [
            p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        s.page.set_content("<p>two</p>")
        assert s.page.inner_text("p") == "two"
        assert not set(s.process_ids()) & set(pids)
    finally:
        s.close()
    assert s.process_ids() == []


def test_browser_discovery_order(tmp_path, monkeypatch):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)

    assert find_browser(str(fake), "/usr/bin/chromium") == str(fake)  # explicit wins
    with pytest.raises(BrowserNotFound, match="does not exist"):
        find_browser(str(tmp_path / "missing"))
    assert find_browser(None, str(fake)) is None  # Playwright's own download: let Playwright pick it
    monkeypatch.setattr(session_mod, "SYSTEM_CHROMIUMS", (str(fake),))
    assert find_browser(None, str(tmp_path / "not-downloaded")) == str(fake)
    monkeypatch.setattr(session_mod, "SYSTEM_CHROMIUMS", ())
    monkeypatch.setattr(session_mod.shutil, "which", lambda name: None)
    with pytest.raises(BrowserNotFound, match="apt-get install -y chromium"):
        find_browser(None, str(tmp_path / "not-downloaded"))


def test_proxy_settings_split_credentials():
    assert proxy_settings("http://bob:p%40ss@10.0.0.1:3128") == {
        "server": "http://10.0.0.1:3128",
        "username": "bob",
        "password": "p@ss",
        "bypass": "<-loopback>",  # every request through the proxy, loopback included
    }
    assert proxy_settings(None) is None
    with pytest.raises(ValueError, match="proxy"):
        proxy_settings("10.0.0.1")


def test_a_bad_base_url_is_refused(tmp_path):
    with pytest.raises(ValueError, match="base URL"):
        SessionConfig("www.linkedin.com", tmp_path / "s.json")
