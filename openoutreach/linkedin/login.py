"""Logging one account in, or reusing its saved session, with named outcomes.

Outcomes (surface doc, "Session and login"):
1. A saved session is tried first by opening /feed/. Landing anywhere else means it is invalid: it is
   discarded and a fresh login follows.
2. A fresh login types the credentials like a person and waits (up to ~40 s) for one of:
   /feed/ -> success (storage saved); a /checkpoint/ URL -> `CheckpointRequired` (never retried:
   a human must pass it); an error on the login form -> `WrongCredentials` (retrying burns the account);
   anything else -> `LoginFailed`.
Credentials are never logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.dom import find, text_of, wait_for
from openoutreach.linkedin.errors import CheckpointRequired, LoginFailed, WrongCredentials
from openoutreach.linkedin.session import BrowserSession

log = logging.getLogger(__name__)

LOGIN_TIMEOUT_S = 40.0  # the surface doc: the feed can take ~40 s on a slow day
FORM_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


class LoginOutcome(StrEnum):
    REUSED = "reused"  # the saved session was still valid; no login happened
    LOGGED_IN = "logged_in"  # a fresh login with the credentials


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    url: str


def is_feed(path: str) -> bool:
    return path.rstrip("/") == "/feed" or path.startswith("/feed/")


def is_checkpoint(path: str) -> bool:
    """A security check (code, captcha, "verify it's you"); /checkpoint/lg/ pages are plain sign-in forms."""
    if is_login_wall(path):
        return False
    return path.startswith("/checkpoint/") or path.rstrip("/") == "/checkpoint"


def is_login_wall(path: str) -> bool:
    """Pages LinkedIn shows a visitor without a valid session."""
    return path.rstrip("/") in ("/login", "/uas/login", "/authwall", "/signup") or path.startswith(
        ("/uas/login", "/authwall", "/checkpoint/lg/")
    )


def ensure_logged_in(
    session: BrowserSession, credentials: Credentials, timeout_s: float = LOGIN_TIMEOUT_S
) -> LoginResult:
    """Reuse the saved session when it still opens the feed, else log in afresh."""
    if session.config.storage_state_path.exists() or session.cookie("li_at"):
        session.goto("/feed/")
        path = session.current_path()
        if is_feed(path):
            log.info("saved session reused")
            return LoginResult(LoginOutcome.REUSED, session.page.url)
        if is_checkpoint(path):
            raise CheckpointRequired(_checkpoint_reason(session), session.page.url)
        log.info("saved session is no longer valid (landed on %s); logging in afresh", path)
        session.discard_storage()
    return login(session, credentials, timeout_s)


def login(
    session: BrowserSession, credentials: Credentials, timeout_s: float = LOGIN_TIMEOUT_S
) -> LoginResult:
    """A fresh login with the credentials; see the module docstring for the outcomes."""
    if not credentials.username or not credentials.password:
        raise WrongCredentials("username or password is empty")
    session.discard_storage()
    session.goto("/login")
    page = session.page
    if is_feed(session.current_path()):
        session.save_storage()
        return LoginResult(LoginOutcome.LOGGED_IN, page.url)
    username = wait_for(page, page, S.LOGIN_USERNAME, FORM_TIMEOUT_S)
    password = find(page, S.LOGIN_PASSWORD)
    submit = find(page, S.LOGIN_SUBMIT)
    if username is None or password is None or submit is None:
        raise LoginFailed("the login form has no username/password/submit field", page.url)
    session.human.read_page()
    session.human.type_into(username, credentials.username, clear=True)
    session.human.wait()
    session.human.type_into(password, credentials.password, clear=True)
    session.human.wait()
    submit.click()
    return _await_outcome(session, timeout_s)


def _await_outcome(session: BrowserSession, timeout_s: float) -> LoginResult:
    page = session.page
    deadline = time.monotonic() + timeout_s
    while True:
        path = session.current_path()
        if is_feed(path):
            session.save_storage()
            log.info("logged in")
            return LoginResult(LoginOutcome.LOGGED_IN, page.url)
        if is_checkpoint(path):
            page.wait_for_load_state("domcontentloaded")
            reason = _checkpoint_reason(session)
            log.warning("login stopped at a security checkpoint: %s", reason)
            raise CheckpointRequired(reason, page.url)
        error = find(page, S.LOGIN_ERROR)
        if error is not None and text_of(error):
            raise WrongCredentials(text_of(error)[:300])
        if time.monotonic() >= deadline:
            raise LoginFailed(f"no feed after {timeout_s:.0f}s", page.url)
        page.wait_for_timeout(250)


def _checkpoint_reason(session: BrowserSession) -> str:
    """What the checkpoint asks for, from its heading (falls back to the kind of checkpoint in the URL)."""
    page = session.page
    segments = [s for s in session.current_path().split("/") if s]
    kind = segments[1] if len(segments) > 1 else "checkpoint"
    heading = find(page, S.PAGE_HEADING)  # e.g. "Let's do a quick security check"
    text = text_of(heading) if heading is not None else ""
    return f"{kind}: {text}" if text else kind
