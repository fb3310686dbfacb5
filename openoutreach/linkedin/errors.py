"""Named outcomes of talking to LinkedIn that callers decide on.

Expected failures are exceptions with a name and the facts needed to act on them (why, where, for how
long), so the browser worker can pause an account, skip a lead or back off without parsing messages.
"""

from __future__ import annotations


class LinkedInError(Exception):
    """Base of every expected failure of the browser layer."""


class BrowserNotFound(LinkedInError):
    """No Chromium executable could be found; the message says what to install or set."""


class LoginError(LinkedInError):
    """Base of login failures. None of them is retried automatically: retrying burns accounts."""


class CheckpointRequired(LoginError):
    """LinkedIn wants a security check (code, captcha, "verify it's you"). Pause the account, tell a human."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"security checkpoint: {reason} ({url})")
        self.reason = reason
        self.url = url


class WrongCredentials(LoginError):
    """LinkedIn rejected the username or password. Stop and report; never retry with the same secret."""

    def __init__(self, message: str) -> None:
        super().__init__(f"login rejected: {message}")
        self.message = message


class LoginFailed(LoginError):
    """Login ended somewhere unexpected (no feed, no checkpoint, no error message)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"login failed: {reason} ({url})")
        self.reason = reason
        self.url = url


class SessionExpired(LinkedInError):
    """The session is dead even after a fresh login (a second 401 in a row)."""


class InvalidProfileUrl(LinkedInError, ValueError):
    """A string that is not a LinkedIn member profile URL."""


class ProfileUnavailable(LinkedInError):
    """A private, deleted or restricted profile (HTTP 403/404, or a /404 page). Skip it."""

    def __init__(self, public_id: str, status: int | None = None) -> None:
        detail = f"HTTP {status}" if status else "page not found"
        super().__init__(f"profile {public_id!r} unavailable ({detail})")
        self.public_id = public_id
        self.status = status


class Throttled(LinkedInError):
    """LinkedIn answered 429/999: back off and pause the account's enrichment for `retry_after` seconds."""

    def __init__(self, status: int, retry_after: float) -> None:
        super().__init__(f"throttled by LinkedIn (HTTP {status}); back off for {retry_after:.0f}s")
        self.status = status
        self.retry_after = retry_after


class VoyagerError(LinkedInError):
    """An API answer we cannot use (persistent 5xx, unexpected status, a body that is not JSON)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EndpointGone(VoyagerError):
    """Voyager answered 410 Gone: LinkedIn retired this endpoint (for this account at least)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"Voyager answered 410 Gone for {path}: LinkedIn retired this endpoint", 410)
        self.path = path


class StaleQueryId(VoyagerError):
    """The GraphQL path refused our query id (it rotates): VOYAGER_GRAPHQL_QUERY_ID needs the current one."""

    def __init__(self, query_id: str, status: int) -> None:
        super().__init__(
            f"Voyager GraphQL refused query id {query_id!r} (HTTP {status}): set VOYAGER_GRAPHQL_QUERY_ID to "
            "the current one (browser network tab, filter on voyagerIdentityDashProfiles)",
            status,
        )
        self.query_id = query_id


class WeeklyLimitReached(LinkedInError):
    """LinkedIn showed the weekly invitation limit alert instead of sending: stop connecting this week."""


class ConnectFailed(LinkedInError):
    """LinkedIn refused this one invitation (error toast, modal that never sends). Skip the lead."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invitation not sent: {reason}")
        self.reason = reason


class MessageFailed(LinkedInError):
    """A message could not be sent to this person (no way to reach them, ambiguous recipient, ...)."""

    def __init__(self, reason: str, *, after_click: bool = False, control_missing: bool = False) -> None:
        super().__init__(f"message not sent: {reason}")
        self.reason = reason
        # True once send was clicked: the message may have gone out (read the conversation first).
        self.after_click = after_click
        # True when the page lacked a control it should have had (counts for the breaker).
        self.control_missing = control_missing
        self.capture: str | None = None  # a saved copy of the page, when captures are on


class WithdrawFailed(LinkedInError):
    """An invitation could not be withdrawn (no Pending control, no confirmation dialog, an error toast)."""

    def __init__(
        self,
        reason: str,
        *,
        after_click: bool = False,
        control_missing: bool = False,
        capture: str | None = None,
    ) -> None:
        super().__init__(f"invitation not withdrawn: {reason}")
        self.reason = reason
        # True once Pending (or the page's Withdraw) was clicked: it may be withdrawn (read the live state).
        self.after_click = after_click
        self.control_missing = control_missing  # the page lacked a control it should have had (breaker)
        self.capture = capture


class SearchLimitReached(LinkedInError):
    """LinkedIn showed the monthly commercial-use search limit instead of results: stop searching."""
