"""One account's Playwright Chromium: stealth launch, saved storage state, timeouts, hard kill.

A `BrowserSession` is opened lazily on first use and lives as long as the account's browser worker.
Everything it needs is a parameter (`SessionConfig`), so it runs without Django or Celery.

Decisions:
- `playwright_stealth.Stealth().use_sync(sync_playwright())` with a normal `launch` + `new_context`:
  stealth hooks those, but not `launch_persistent_context` (shared stack notes). The account's cookies
  live in a storage-state JSON file instead of a profile directory.
- The storage file holds the session cookie (`li_at`): it is written owner-only (0600, parent 0700)
  and atomically, after login and after every navigation (LinkedIn rotates cookies).
- Every Playwright call has a default timeout; `kill()` SIGKILLs the driver and browser process tree
  from another thread (the watchdog) and the next use starts a fresh browser.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psutil
from playwright.sync_api import BrowserContext, Page, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright_stealth import Stealth

from openoutreach.linkedin.errors import BrowserNotFound
from openoutreach.linkedin.human import Humanizer
from openoutreach.linkedin.urls import absolute_url, normalize_base_url

log = logging.getLogger(__name__)
_thread_state = threading.local()  # the BrowserSession running in this thread, if any

# Shared stack notes: without the networking flags Chromium floods a closed network with connections.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
SESSION_COOKIE = "li_at"  # LinkedIn's session cookie
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# Same-origin fetch run inside the page, so the browser adds cookies, UA and sec-ch-ua itself.
_FETCH_JS = """async ([url, headers, timeoutMs]) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(url, {headers, credentials: "include", signal: ctl.signal});
    const body = await r.text();
    return {status: r.status, body, retryAfter: r.headers.get("retry-after")};
  } catch (e) {
    return {status: 0, body: String(e), retryAfter: null};
  } finally {
    clearTimeout(timer);
  }
}"""


@dataclass
class SessionConfig:
    """What one account's browser needs. Times are milliseconds, as in Playwright."""

    base_url: str
    storage_state_path: Path | str
    headless: bool = True
    proxy: str | None = None  # "http://user:pass@host:port"; one stable proxy per account
    executable_path: str | None = None
    timeout_ms: int = 30_000
    navigation_timeout_ms: int = 45_000
    locale: str = "en-US"
    timezone_id: str | None = None
    viewport: tuple[int, int] = (1366, 768)
    speed: float = 1.0  # scales human delays; 0 = no waiting (tests)
    # Never two page loads closer than this, whatever the caller does (bursts of page loads are what
    # platforms flag first). Not scaled by `speed`: it is a safety floor, not a human-likeness knob.
    min_page_gap_s: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        self.base_url = normalize_base_url(self.base_url)
        self.storage_state_path = Path(self.storage_state_path)


@dataclass
class HttpAnswer:
    """An HTTP answer seen by the page's fetch. status 0 = network error or timeout (body says which)."""

    status: int
    body: str
    retry_after: str | None = None


def find_browser(explicit: str | None = None, playwright_path: str | None = None) -> str | None:
    """The Chromium to launch: explicit setting, then Playwright's own download, then the system one.

    Returns None when Playwright's own browser should be used (it knows its path). Raises
    BrowserNotFound naming what to install when nothing is there.
    """
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit
        raise BrowserNotFound(f"the configured browser {explicit!r} does not exist or is not executable")
    if playwright_path and os.access(playwright_path, os.X_OK):
        return None
    for candidate in (*SYSTEM_CHROMIUMS, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserNotFound(
        "no Chromium found: install Debian's package (`apt-get install -y chromium`), or run "
        "`playwright install chromium` where its CDN is reachable, or set the browser path explicitly"
    )


# Chromium sends loopback requests around a proxy unless told `<-loopback>`: an account's traffic goes
# through its one proxy, wherever the site is (the sandbox on 127.0.0.1 included). Playwright adds it too
# unless PLAYWRIGHT_DISABLE_FORCED_CHROMIUM_PROXIED_LOOPBACK is set; saying it here does not depend on that.
PROXY_BYPASS = "<-loopback>"


def proxy_settings(proxy: str | None) -> dict[str, str] | None:
    """Playwright's proxy dict from `scheme://user:pass@host:port` (credentials split out; no host,
    loopback included, bypasses it)."""
    if not proxy:
        return None
    parts = urlsplit(proxy)
    if not parts.scheme or not parts.hostname:
        raise ValueError("proxy must look like http://user:pass@host:port")
    server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    settings = {"server": server, "bypass": PROXY_BYPASS}
    if parts.username:
        settings["username"] = unquote(parts.username)
        settings["password"] = unquote(parts.password or "")
    return settings


class BrowserSession:
    """A lazily started stealth Chromium for one account. Not thread-safe, except `kill()`."""

    def __init__(self, config: SessionConfig, humanizer: Humanizer | None = None) -> None:
        self.config = config
        self.human = humanizer or Humanizer(speed=config.speed, rng=random.Random(config.seed))
        self._manager: Any = None
        self._browser: Any = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._driver_pid: int | None = None
        self._killed = False
        self._last_goto: float | None = None

    # --- life cycle -------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._page is not None and not self._killed

    @property
    def page(self) -> Page:
        """The account's page, starting (or restarting after a kill) the browser when needed."""
        if self._killed:
            self.close()  # the killed browser's objects are dead: drop them and start afresh
        if self._page is None:
            self.start()
        assert self._page is not None
        return self._page

    @property
    def context(self) -> BrowserContext:
        self.page  # noqa: B018 - starts the browser
        assert self._context is not None
        return self._context

    def start(self) -> None:
        """Launch Chromium with stealth and open the account's context from its saved storage."""
        if self._page is not None:
            return
        other = getattr(_thread_state, "session", None)
        if other is not None and other is not self:
            # Playwright's sync API runs one event loop per thread: a second one fails obscurely.
            raise RuntimeError(
                "another BrowserSession is open in this thread; close it first (one per thread)"
            )
        _thread_state.session = self
        before = {p.pid for p in psutil.Process().children()}
        self._manager = Stealth(navigator_platform_override="Linux x86_64").use_sync(sync_playwright())
        playwright = self._manager.start()
        self._driver_pid = _new_driver_pid(before)
        try:
            executable = find_browser(self.config.executable_path, playwright.chromium.executable_path)
            self._browser = playwright.chromium.launch(
                executable_path=executable,
                headless=self.config.headless,
                args=list(LAUNCH_ARGS),
                proxy=proxy_settings(self.config.proxy),
                timeout=self.config.navigation_timeout_ms,
            )
            width, height = self.config.viewport
            self._context = self._browser.new_context(
                storage_state=self._load_storage(),
                locale=self.config.locale,
                timezone_id=self.config.timezone_id,
                viewport={"width": width, "height": height},
            )
            self._context.set_default_timeout(self.config.timeout_ms)
            self._context.set_default_navigation_timeout(self.config.navigation_timeout_ms)
            self._page = self._context.new_page()
        except BaseException:
            self.close()
            raise
        log.info("browser started for %s (driver pid %s)", self.config.base_url, self._driver_pid)

    def close(self) -> None:
        """Close the browser and the Playwright driver; safe to call twice or after a kill."""
        manager, browser = self._manager, self._browser
        self._page = self._context = self._browser = self._manager = None
        try:
            if browser is not None and not self._killed:
                browser.close()
        except Exception as exc:  # a dead browser cannot be closed politely; the manager still must stop
            log.debug("browser.close failed: %s", exc)
        try:
            if manager is not None:
                manager.__exit__(None, None, None)
        except Exception as exc:
            log.debug("playwright stop failed: %s", exc)
        self._driver_pid = None
        self._killed = False
        if getattr(_thread_state, "session", None) is self:
            _thread_state.session = None

    def kill(self) -> None:
        """SIGKILL the Playwright driver and every browser process (callable from any thread).

        Chromium runs in its own process group; killing the group as well catches a renderer forked
        between listing the tree and killing it (it would otherwise be orphaned to init). The blocked
        Playwright call in the owning thread then fails; the next use starts a new browser.
        """
        pid = self._driver_pid
        self._killed = True
        if pid is None:
            return
        try:
            root = psutil.Process(pid)
            victims = [*root.children(recursive=True), root]
        except psutil.NoSuchProcess:
            return
        groups = set()
        for proc in victims:
            with contextlib.suppress(OSError):
                groups.add(os.getpgid(proc.pid))
        groups.discard(os.getpgrp())  # the driver shares ours: never kill the worker itself
        for proc in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        for group in groups:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        psutil.wait_procs(victims, timeout=5)
        log.warning("browser process tree killed (%d processes)", len(victims))

    def process_ids(self) -> list[int]:
        """Driver + browser pids (for memory measurements and the watchdog)."""
        if self._driver_pid is None:
            return []
        try:
            root = psutil.Process(self._driver_pid)
            return [root.pid, *(p.pid for p in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    # --- navigation and state ---------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        return absolute_url(self.config.base_url, path_or_url)

    def goto(self, path_or_url: str) -> Response | None:
        """Open a page of the site and save the (possibly rotated) cookies of a logged-in session."""
        if self._last_goto is not None and self.config.min_page_gap_s:
            wait = self._last_goto + self.config.min_page_gap_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_goto = time.monotonic()
        response = self.page.goto(self.url(path_or_url), wait_until="domcontentloaded")
        if self.cookie(SESSION_COOKIE):  # a visitor's cookies are not worth keeping
            self.save_storage()
        return response

    def current_path(self) -> str:
        """Path of the page's URL ("/feed/"), "" before the first navigation."""
        if self._page is None:
            return ""
        return urlsplit(self._page.url).path

    def on_site(self) -> bool:
        """True when the page shows a document of the configured site (same origin)."""
        if self._page is None:
            return False
        parts = urlsplit(self._page.url)
        return f"{parts.scheme}://{parts.netloc}" == self.config.base_url

    def cookie(self, name: str) -> str | None:
        for c in self.context.cookies(self.config.base_url):
            if c["name"] == name:
                return c["value"]
        return None

    def csrf_token(self) -> str | None:
        """LinkedIn's CSRF token: the JSESSIONID cookie without its surrounding quotes."""
        value = self.cookie("JSESSIONID")
        return value.strip('"') if value else None

    def fetch(self, path_or_url: str, headers: dict[str, str], timeout_ms: int | None = None) -> HttpAnswer:
        """GET from inside the page (same-origin fetch), so cookies and browser headers ride along."""
        url = self.url(path_or_url)
        args = [url, headers, timeout_ms or self.config.timeout_ms]
        try:
            answer = self.page.evaluate(_FETCH_JS, args)
        except PlaywrightError as exc:
            # A navigation still in flight (the redirect after a login) destroys the page's JS context
            # under the call: let the page settle, then ask once more.
            if "Execution context was destroyed" not in str(exc):
                raise
            self.page.wait_for_load_state("domcontentloaded")
            answer = self.page.evaluate(_FETCH_JS, args)
        return HttpAnswer(int(answer["status"]), answer["body"], answer.get("retryAfter"))

    # --- storage state (the account's cookies) ---------------------------------------------

    def save_storage(self) -> None:
        """Write the storage state owner-only and atomically (a crash never leaves half a file)."""
        if self._context is None:
            return
        state = self._context.storage_state()
        path = self.config.storage_state_path
        _ensure_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=".storage-", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(state, fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def discard_storage(self) -> None:
        """Forget the saved session: delete the file and the context's cookies."""
        self.config.storage_state_path.unlink(missing_ok=True)
        if self._context is not None:
            self._context.clear_cookies()

    def _load_storage(self) -> str | None:
        path = self.config.storage_state_path
        if not path.exists():
            return None
        try:
            json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            # Only a session is lost (the next login recreates it); keep the broken file aside.
            log.warning("saved session %s is unreadable (%s); logging in afresh", path, exc)
            path.replace(path.with_suffix(path.suffix + ".broken"))
            return None
        return str(path)


def _ensure_private_dir(directory: Path) -> None:
    """Create missing directories owner-only; warn when an existing one is readable by others."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700)
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask
    if not missing and directory.stat().st_mode & 0o077:
        log.warning("session directory %s is accessible by other users; prefer mode 0700", directory)


def _new_driver_pid(before: set[int]) -> int | None:
    """The Playwright driver started just now: a new child process running `run-driver`."""
    for proc in psutil.Process().children():
        if proc.pid in before:
            continue
        try:
            if "run-driver" in proc.cmdline():
                return proc.pid
        except psutil.Error:
            continue
    return None
