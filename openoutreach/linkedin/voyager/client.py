"""Voyager API calls made from inside the logged-in page, with LinkedIn's status rules.

Requests are same-origin `fetch` calls run in the account's page, so the session cookies and the
browser's own user-agent / accept-language / sec-ch-ua headers ride along exactly as when LinkedIn's
own front end asks; we add the headers the surface doc lists (csrf-token = JSESSIONID unquoted).

Status handling (surface doc): 401 -> log in again once and retry, a second 401 -> `SessionExpired`;
403/404 -> `ProfileUnavailable` (skip the person); 429/999 -> `Throttled` with a back-off hint;
other 5xx (and network errors) -> bounded retries with exponential backoff, then `VoyagerError`;
410 -> `EndpointGone`.

Two paths serve a profile: REST (`identity/dash/profiles`) and GraphQL (`/voyager/api/graphql` with a
`voyagerIdentityDashProfiles.<hash>` query id that LinkedIn rotates; ours is the setting
VOYAGER_GRAPHQL_QUERY_ID). An account starts on `path` (the one saved on its record). When the REST
endpoint answers 410, or answers in a shape the parser cannot read, the client moves the account to
GraphQL, retries that fetch there once, and stays there (`switched_at` / `switch_reason` tell the
caller to persist the move). Each `VoyagerProfile` says which path served it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from openoutreach.linkedin.errors import (
    EndpointGone,
    ProfileUnavailable,
    SessionExpired,
    StaleQueryId,
    Throttled,
    VoyagerError,
)
from openoutreach.linkedin.session import BrowserSession
from openoutreach.linkedin.voyager.parser import ParsedProfile, parse_profile

log = logging.getLogger(__name__)

PROFILE_DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
ACCEPT = "application/vnd.linkedin.normalized+json+2.1"
DEFAULT_RETRY_AFTER_S = 30 * 60.0  # pause enrichment this long when LinkedIn gives no Retry-After
REST, GRAPHQL = "rest", "graphql"
PATHS = (REST, GRAPHQL)
GRAPHQL_QUERY_PREFIX = "voyagerIdentityDashProfiles."


def profile_path(public_id: str) -> str:
    """The Voyager path of one member's full profile (`me` = the logged-in member)."""
    return (
        "/voyager/api/identity/dash/profiles?q=memberIdentity"
        f"&memberIdentity={quote(public_id, safe='')}&decorationId={PROFILE_DECORATION}"
    )


def graphql_profile_path(public_id: str, query_id: str) -> str:
    """The GraphQL path of one member's profile: `variables=(vanityName:<id>)` travels literally, as in
    LinkedIn's own requests, with the id percent-encoded inside it."""
    return (
        f"/voyager/api/graphql?variables=(vanityName:{quote(public_id, safe='')})&queryId={quote(query_id)}"
    )


@dataclass
class VoyagerProfile:
    """A fetched profile: the raw JSON (kept as evidence), what the parser made of it, and which path
    ("rest" | "graphql") served it."""

    public_id: str
    raw: dict[str, Any]
    parsed: ParsedProfile
    path: str = REST


class VoyagerClient:
    """Voyager GETs for one logged-in session.

    `relogin` is called at most once per request after a 401 (it must log in afresh); `sleep` is
    injectable so the 5xx backoff does not slow tests down. `path` is where this account's profiles are
    read ("rest" | "graphql"); `graphql_query_id` the current `voyagerIdentityDashProfiles.<hash>`
    (empty: the GraphQL path is off, and a retired REST endpoint is an error that says how to set it).
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
        path: str = REST,
        graphql_query_id: str = "",
    ) -> None:
        if path not in PATHS:
            raise ValueError(f"unknown Voyager path {path!r}; expected one of {PATHS}")
        self.session = session
        self.path = path
        self.graphql_query_id = graphql_query_id
        self.switched_at: datetime | None = None  # when THIS client moved the account to GraphQL
        self.switch_reason = ""
        self.relogin = relogin
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.default_retry_after_s = default_retry_after_s
        self.sleep = sleep

    def get_profile(self, public_id: str) -> VoyagerProfile:
        """Fetch and parse one member's profile on this account's path; moves the account from REST to
        GraphQL (once, for good) when REST is gone or unreadable, and retries there."""
        if self.path == GRAPHQL:
            return self._graphql_profile(public_id)
        try:
            raw = self.get_json(profile_path(public_id), subject=public_id)
        except EndpointGone as exc:
            reason = "the REST profile endpoint answered 410 Gone"
            self._switch(reason, exc)
        else:
            parsed = parse_profile(raw, public_id, base_url=self.session.config.base_url)
            if parsed.found:
                return VoyagerProfile(public_id, raw, parsed, REST)
            if not self.graphql_query_id:  # nowhere else to ask: the caller sees what REST gave
                parsed.warnings.append("not retried on the GraphQL path: VOYAGER_GRAPHQL_QUERY_ID is empty")
                return VoyagerProfile(public_id, raw, parsed, REST)
            why = "; ".join(parsed.warnings[:3]) or "no profile in it"
            self._switch(f"the REST profile endpoint answered a shape the parser cannot read ({why})")
        return self._graphql_profile(public_id)

    def me(self) -> ParsedProfile:
        """The logged-in member's own profile (to know whom never to treat as a lead).

        REST only: no GraphQL query for the logged-in member is documented, so on the GraphQL path (or
        once REST is gone) this raises VoyagerError and callers read the account from the page.
        """
        if self.path == GRAPHQL:
            raise VoyagerError(
                "no documented GraphQL query names the logged-in member; read it from the page"
            )
        try:
            raw = self.get_json(profile_path("me"), subject="me")
        except EndpointGone as exc:
            if self.graphql_query_id:
                self._switch("the REST profile endpoint answered 410 Gone")
            raise exc
        return parse_profile(raw, None, base_url=self.session.config.base_url)

    def _switch(self, reason: str, cause: Exception | None = None) -> None:
        if not self.graphql_query_id:
            raise VoyagerError(
                f"{reason}, and the GraphQL path is off: set VOYAGER_GRAPHQL_QUERY_ID "
                "(browser network tab, filter on voyagerIdentityDashProfiles)",
                410 if isinstance(cause, EndpointGone) else None,
            ) from cause
        log.warning("Voyager: moving this account to the GraphQL path: %s", reason)
        self.path = GRAPHQL
        self.switched_at = datetime.now(UTC)
        self.switch_reason = reason

    def _graphql_profile(self, public_id: str) -> VoyagerProfile:
        query_id = self.graphql_query_id
        if not query_id:
            raise VoyagerError(
                "this account reads profiles on the GraphQL path but VOYAGER_GRAPHQL_QUERY_ID is empty "
                "(browser network tab, filter on voyagerIdentityDashProfiles)"
            )
        try:
            raw = self.get_json(graphql_profile_path(public_id, query_id), subject=public_id)
        except VoyagerError as exc:
            if exc.status == 400:  # what a stale query id gets (see the sandbox's note: an assumption)
                raise StaleQueryId(query_id, 400) from exc
            raise
        parsed = parse_profile(raw, public_id, base_url=self.session.config.base_url)
        return VoyagerProfile(public_id, raw, parsed, GRAPHQL)

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
            if status == 410:
                raise EndpointGone(path.split("?")[0])
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
