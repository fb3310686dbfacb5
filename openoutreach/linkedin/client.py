"""One account's handle on LinkedIn: its browser session, credentials, login state and Voyager client.

The actions (`openoutreach.linkedin.actions`) take a `LinkedInClient`. It logs in lazily, reuses the
saved session, logs in again when a page or an API call says the session died (once per call; a
second failure is `SessionExpired`), and never retries a checkpoint or a wrong password.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from playwright.sync_api import Response

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.captures import CaptureStore
from openoutreach.linkedin.dom import find
from openoutreach.linkedin.errors import (
    CheckpointRequired,
    InvalidProfileUrl,
    ProfileUnavailable,
    SessionExpired,
    Throttled,
    VoyagerError,
)
from openoutreach.linkedin.login import (
    LOGIN_TIMEOUT_S,
    Credentials,
    LoginOutcome,
    LoginResult,
    ensure_logged_in,
    is_checkpoint,
    is_login_wall,
    login,
)
from openoutreach.linkedin.session import BrowserSession, SessionConfig
from openoutreach.linkedin.urls import public_id_from_url
from openoutreach.linkedin.voyager.client import REST, VoyagerClient

log = logging.getLogger(__name__)


class LinkedInClient:
    """Browser session + credentials of one account. Not thread-safe (one worker, one thread)."""

    def __init__(
        self,
        session: BrowserSession,
        credentials: Credentials,
        *,
        login_timeout_s: float = LOGIN_TIMEOUT_S,
        voyager: VoyagerClient | None = None,
        own_public_id: str | None = None,
        voyager_path: str = REST,
        graphql_query_id: str = "",
    ) -> None:
        self.session = session
        self.credentials = credentials
        self.login_timeout_s = login_timeout_s
        # the account's saved Voyager path (rest|graphql); the client may move it, see voyager.client
        self.voyager = voyager or VoyagerClient(session, path=voyager_path, graphql_query_id=graphql_query_id)
        self.voyager.relogin = self.relogin
        self.fresh_logins = 0  # fresh logins done by this client (saved-session reuse is not counted)
        self._logged_in = False
        self._own_public_id = own_public_id  # known from the account record, or found on first use
        self.captures: CaptureStore | None = None  # where failure captures go (set by the worker)

    @classmethod
    def for_account(
        cls,
        base_url: str,
        storage_state_path: str | Path,
        username: str,
        password: str,
        *,
        own_public_id: str | None = None,
        voyager_path: str = REST,
        graphql_query_id: str = "",
        **session_options: Any,
    ) -> LinkedInClient:
        """A client with its own browser session; `session_options` are `SessionConfig` fields
        (headless, proxy, executable_path, timeout_ms, speed, ...)."""
        config = SessionConfig(base_url, storage_state_path, **session_options)
        return cls(
            BrowserSession(config),
            Credentials(username, password),
            own_public_id=own_public_id,
            voyager_path=voyager_path,
            graphql_query_id=graphql_query_id,
        )

    @property
    def base_url(self) -> str:
        return self.session.config.base_url

    def ensure_logged_in(self) -> LoginResult | None:
        """Log in (or reuse the saved session) unless this browser is already logged in."""
        if self._logged_in and self.session.started:
            return None
        result = ensure_logged_in(self.session, self.credentials, self.login_timeout_s)
        self._after_login(result)
        return result

    def relogin(self) -> LoginResult:
        """Forget the session and log in afresh (a 401 or a login wall mid-run)."""
        self._logged_in = False
        result = login(self.session, self.credentials, self.login_timeout_s)
        self._after_login(result)
        return result

    def open(self, path_or_url: str) -> Response | None:
        """Navigate as a logged-in member: a login wall triggers one fresh login and one more try.

        Raises CheckpointRequired when LinkedIn asks for a security check, ProfileUnavailable for a
        /404 page, SessionExpired when a fresh login still ends on the wall.
        """
        self.ensure_logged_in()
        for attempt in range(2):
            response = self.session.goto(path_or_url)
            path = self.session.current_path()
            if is_checkpoint(path):
                raise CheckpointRequired("security check while browsing", self.session.page.url)
            if not is_login_wall(path):
                if path.rstrip("/") == "/404" or (response is not None and response.status == 404):
                    raise ProfileUnavailable(path_or_url, 404)
                return response
            if attempt == 0:
                log.info("session died (landed on %s); logging in again once", path)
                self.relogin()
        raise SessionExpired(f"still on the login wall after logging in again ({path_or_url})")

    def own_public_id(self) -> str | None:
        """The account's own public id (never a lead); cached.

        From Voyager `memberIdentity=me`, else (throttled API, odd answer) the nav's "Me" link on the
        open page; None when neither tells, so that discovery keeps working while Voyager backs off.
        """
        if self._own_public_id is None:
            self.ensure_logged_in()
            try:
                self._own_public_id = self.voyager.me().public_identifier
            except (Throttled, VoyagerError, ProfileUnavailable) as exc:
                log.info("Voyager did not name the account (%s); reading the nav's Me link", exc)
            if self._own_public_id is None:
                self._own_public_id = self._own_id_from_page()
        return self._own_public_id

    def _own_id_from_page(self) -> str | None:
        link = find(self.session.page, S.OWN_PROFILE_LINK)
        if link is None:
            return None
        try:
            return public_id_from_url(link.get_attribute("href") or "", self.base_url)
        except InvalidProfileUrl:
            return None

    def capture(self, reason: str) -> str | None:
        """Save the current page as a failure capture (see `captures`); its path, or None when
        captures are off or the page could not be saved."""
        if self.captures is None or not self.session.started:
            return None
        path = self.captures.save(self.session.page, reason)
        return str(path) if path else None

    def close(self) -> None:
        self._logged_in = False
        self.session.close()

    def kill(self) -> None:
        """Hard-kill the browser (watchdog thread); the next call starts and logs in again."""
        self._logged_in = False
        self.session.kill()

    def _after_login(self, result: LoginResult) -> None:
        self._logged_in = True
        if result.outcome is LoginOutcome.LOGGED_IN:
            self.fresh_logins += 1
