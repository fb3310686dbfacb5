"""Profile URLs: one canonical form per member, validation with clear errors, discovery on any page.

The canonical form is `<base>/in/<public_id>/` (query and fragment stripped, the id percent-decoded),
because the CRM keeps exactly one Lead per canonical URL: two spellings of one person must collapse
to one string. Vanity names are case-insensitive on LinkedIn, so the canonical id is also lower-case,
in Unicode NFC (`jérôme` typed or pasted decomposed is one person), and free of invisible format
characters (a zero-width space copied along with a name). Scheme, host and the `/in/` segment are
read case-insensitively. All functions are pure and take the base URL as a parameter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from openoutreach.linkedin.errors import InvalidProfileUrl

# Hosts whose /in/ URLs name LinkedIn members (country subdomains like uk.linkedin.com included).
_LINKEDIN_HOST_SUFFIX = "linkedin.com"
# Path ids that live under /in/ but are not a member.
_NOT_MEMBERS = {"me", "edit", "unavailable"}


def normalize_base_url(base_url: str) -> str:
    """`https://host[:port]` without a trailing slash; a clear error for anything else."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base URL must look like https://www.linkedin.com, got {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def absolute_url(base_url: str, path_or_url: str) -> str:
    """Resolve `/feed/` (or an absolute URL, returned unchanged) against the base URL."""
    return urljoin(normalize_base_url(base_url) + "/", path_or_url)


def public_id_from_url(url: str, base_url: str | None = None) -> str:
    """The decoded public id in a profile URL (absolute or `/in/...`), or InvalidProfileUrl saying why."""
    text = _visible(url or "").strip()
    if not text:
        raise InvalidProfileUrl("empty profile URL")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unbalanced "[" read as an IPv6 host
        raise InvalidProfileUrl(f"not a URL ({exc}): {url!r}") from None
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise InvalidProfileUrl(f"not a web URL (scheme {parts.scheme!r}): {url!r}")
    host = (parts.hostname or "").lower()
    if host and not _is_member_host(host, base_url):
        raise InvalidProfileUrl(f"not a LinkedIn host ({host!r}): {url!r}")
    if not host and not text.startswith("/"):
        raise InvalidProfileUrl(f"neither an absolute URL nor an /in/ path: {url!r}")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise InvalidProfileUrl(f"not a member profile URL (path must start with /in/<id>): {url!r}")
    public_id = canonical_public_id(unquote(segments[1]))
    if not public_id or public_id.lower() in _NOT_MEMBERS:
        raise InvalidProfileUrl(f"no member id in {url!r}")
    if any(ch.isspace() or ch in "/?#\\\"'<>" or ord(ch) < 32 for ch in public_id):
        raise InvalidProfileUrl(f"malformed member id {public_id!r} in {url!r}")
    return public_id


def canonical_public_id(public_id: str) -> str:
    """One spelling per member: NFC, no invisible format characters, lower-case, trimmed."""
    return unicodedata.normalize("NFC", _visible(public_id)).strip().lower()


def _visible(text: str) -> str:
    """`text` without Unicode format characters (zero-width spaces and joiners, BOM, direction marks)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def canonical_profile_url(url: str, base_url: str) -> str:
    """`<base>/in/<id>/` for any spelling of a member profile URL; InvalidProfileUrl otherwise."""
    return profile_url(public_id_from_url(url, base_url), base_url)


def profile_url(public_id: str, base_url: str) -> str:
    """The canonical URL of a public id."""
    return f"{normalize_base_url(base_url)}/in/{canonical_public_id(public_id)}/"


def discover_profile_urls(
    hrefs: Iterable[str | None],
    base_url: str,
    exclude_public_ids: Iterable[str] = (),
) -> list[str]:
    """Canonical, de-duplicated member URLs among `hrefs`, in page order.

    Links that are not member profiles are skipped silently (a page is full of them); ids in
    `exclude_public_ids` (the account's own profile) never come back.
    """
    excluded = {pid.lower() for pid in exclude_public_ids if pid}
    seen: set[str] = set()
    found: list[str] = []
    for href in hrefs:
        if not href:
            continue
        try:
            public_id = public_id_from_url(href, base_url)
        except InvalidProfileUrl:
            continue
        url = profile_url(public_id, base_url)
        if public_id.lower() in excluded or url in seen:
            continue
        seen.add(url)
        found.append(url)
    return found


def search_people_url(base_url: str, keyword: str, page: int = 1) -> str:
    """The people-search URL LinkedIn's own search box produces for `keyword` at `page` (1-based)."""
    if not keyword or not keyword.strip():
        raise ValueError("search keyword is empty")
    if page < 1:
        raise ValueError(f"search page must be >= 1, got {page}")
    query = urlencode({"keywords": keyword.strip(), "origin": "GLOBAL_SEARCH_HEADER", "page": page})
    return f"{normalize_base_url(base_url)}/search/results/people/?{query}"


def _is_member_host(host: str, base_url: str | None) -> bool:
    if host == _LINKEDIN_HOST_SUFFIX or host.endswith("." + _LINKEDIN_HOST_SUFFIX):
        return True
    return bool(base_url) and host == (urlsplit(base_url).hostname or "").lower()
