"""Voyager API calls made from inside the logged-in page, with LinkedIn's status rules.

Requests are same-origin `fetch` calls run in the account's page, so the session cookies and the
browser's own user-agent / accept-language / sec-ch-ua headers ride along exactly as when LinkedIn's
own front end asks; we add the headers the surface doc lists (csrf-token = JSESSIONID unquoted).

Status handling (surface doc): 401 -> log in again once and retry, a second 401 -> `SessionExpired`;
403/404 -> `ProfileUnavailable` (skip the person); 429/999 -> `Throttled` with a back-off hint;
other 5xx (and network errors) -> bounded retries with exponential backoff, then `VoyagerError`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from openoutreach.linkedin.errors import ProfileUnavailable, SessionExpired, Throttled, VoyagerError
from openoutreach.linkedin.session import BrowserSession
from openoutreach.linkedin.voyager.parser import ParsedProfile, parse_profile

log = logging.getLogger(__name__)

PROFILE_DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
ACCEPT = "application/vnd.linkedin.normalized+json+2.1"
DEFAULT_RETRY_AFTER_S = 30 * 60.0  # pause enrichment this long when LinkedIn gives no Retry-After


def profile_path(public_id: str) -> str:
    """The Voyager path of one member's full profile (`me` = the logged-in member)."""
    return (
        "/voyager/api/identity/dash/profiles?q=memberIdentity"
        f"&memberIdentity={quote(public_id, safe='')}&decorationId={PROFILE_DECORATION}"
    )


@dataclass
class VoyagerProfile:
    """A fetched profile: the raw JSON (kept as evidence) and what the parser made of it."""

    public_id: str
    raw: dict[str, Any]
    parsed: ParsedProfile


class VoyagerClient:
    """Voyager GETs for one logged-in session.

    `relogin` is called at most once per request after a 401 (it must log in afresh); `sleep` is
    injectable so the 5xx backoff does not slow tests down.
    """

    def __init__(
        self,
        session: BrowserSession,
        relogin: Callable[[], object] | None = None,
        *,
        max_retries: int = 3,
        backoff_s: float = 2.0,
        default_retry_after_s: float = DEFAULT_RETRY_AFTER_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.relogin = relogin
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.default_retry_after_s = default_retry_after_s
        self.sleep = sleep

    def get_profile(self, public_id: str) -> VoyagerProfile:
        """Fetch and parse one member's profile."""
        raw = self.get_json(profile_path(public_id), subject=public_id)
        parsed = parse_profile(raw, public_id, base_url=self.session.config.base_url)
        return VoyagerProfile(public_id, raw, parsed)

    def me(self) -> ParsedProfile:
        """The logged-in member's own profile (to know whom never to treat as a lead)."""
        raw = self.get_json(profile_path("me"), subject="me")
        return parse_profile(raw, None, base_url=self.session.config.base_url)

    def get_json(self, path: str, subject: str = "") -> dict[str, Any]:
        """GET a Voyager path and return its JSON object, applying the status rules above."""
        relogged = False
        attempt = 0
        while True:
            answer = self._send(path)
            status = answer.status
            if status == 200:
                self.session.save_storage()  # API calls rotate cookies too
                return _json_object(answer.body, path)
            if status == 401:
                if relogged or self.relogin is None:
                    raise SessionExpired(f"Voyager answered 401 for {path} even after logging in again")
                log.info("Voyager 401: the session expired; logging in again once")
                self.relogin()
                relogged = True
                continue
            if status in (403, 404):
                raise ProfileUnavailable(subject or path, status)
            if status in (429, 999):
                raise Throttled(status, _retry_after(answer.retry_after, self.default_retry_after_s))
            if status == 0 or status >= 500:
                if attempt >= self.max_retries:
                    raise VoyagerError(
                        f"Voyager {path} still failing after {attempt + 1} tries: {status}", status
                    )
                delay = self.backoff_s * (2**attempt)
                log.info(
                    "Voyager transient failure %s (%s); retry in %.1fs", status, answer.body[:120], delay
                )
                self.sleep(delay)
                attempt += 1
                continue
            raise VoyagerError(f"Voyager {path} answered unexpected HTTP {status}", status)

    def _send(self, path: str):
        session = self.session
        if not session.on_site():
            session.goto("/feed/")  # the fetch must be same-origin with LinkedIn's pages
        headers = {
            "accept": ACCEPT,
            "x-restli-protocol-version": "2.0.0",
            "x-li-lang": "en_US",
        }
        token = session.csrf_token()
        if token:
            headers["csrf-token"] = token
        return session.fetch(path, headers)


def _json_object(body: str, path: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise VoyagerError(f"Voyager {path} answered 200 with a body that is not JSON ({exc})", 200) from exc
    if not isinstance(data, dict):
        raise VoyagerError(f"Voyager {path} answered a JSON {type(data).__name__}, not an object", 200)
    return data


def _retry_after(header: str | None, default: float) -> float:
    """Seconds from a Retry-After header (seconds form); the default when absent or unparsable."""
    try:
        seconds = float(header) if header else default
    except ValueError:
        return default
    return max(seconds, 1.0)
