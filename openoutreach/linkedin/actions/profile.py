"""Reading a member: scrape the profile through Voyager, and read the connection status.

Scraping visits the profile page first, as a person would before LinkedIn's own front end asks
Voyager; the visit also yields the other members linked from the page (discovery).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from openoutreach.linkedin.actions.search import discover_on_page
from openoutreach.linkedin.actions.topcard import ConnectionStatus, locate_top_card
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import VoyagerError
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url
from openoutreach.linkedin.voyager.parser import ParsedProfile

log = logging.getLogger(__name__)


@dataclass
class ScrapeResult:
    """A scraped member: the canonical URL, raw Voyager JSON (evidence) and the parsed profile."""

    url: str
    public_id: str
    raw: dict[str, Any]
    profile: ParsedProfile
    discovered: list[str] = field(default_factory=list)  # other members linked from the page


@dataclass
class StatusResult:
    status: ConnectionStatus
    source: str  # "voyager" or "top_card"
    profile: ParsedProfile | None = None  # the fresh Voyager read, when it was used
    capture: str | None = None  # a saved copy of the page when it told nothing


def scrape_profile(client: LinkedInClient, url: str, *, visit: bool = True) -> ScrapeResult:
    """Fetch and parse one member's profile.

    Raises ProfileUnavailable (403/404: skip the person), Throttled (back off), InvalidProfileUrl.
    """
    canonical = canonical_profile_url(url, client.base_url)
    public_id = public_id_from_url(canonical, client.base_url)
    discovered: list[str] = []
    if visit:
        client.open(canonical)
        client.session.human.read_page()
        discovered = [u for u in discover_on_page(client) if u != canonical]
    else:
        client.ensure_logged_in()
    fetched = client.voyager.get_profile(public_id)
    if fetched.parsed.warnings:
        log.info("profile %s parsed with warnings: %s", public_id, "; ".join(fetched.parsed.warnings))
    return ScrapeResult(canonical, public_id, fetched.raw, fetched.parsed, discovered)


def status_from_profile(profile: ParsedProfile) -> ConnectionStatus:
    """The status a Voyager relationship states; UNKNOWN when it leaves the question open."""
    if profile.distance == "SELF":
        return ConnectionStatus.SELF
    if profile.connection_degree == 1:
        return ConnectionStatus.CONNECTED
    if profile.invitation_pending:
        return ConnectionStatus.PENDING
    if profile.distance is not None and profile.invitation_pending is False:
        return ConnectionStatus.NOT_CONNECTED
    return ConnectionStatus.UNKNOWN


def connection_status(client: LinkedInClient, url: str, full_name: str | None = None) -> StatusResult:
    """Connection status: a fresh Voyager relationship first, the top card when Voyager cannot tell.

    Voyager is preferred because the card's text is localised ("1st", "1er", "1º").
    """
    canonical = canonical_profile_url(url, client.base_url)
    public_id = public_id_from_url(canonical, client.base_url)
    client.ensure_logged_in()
    profile = None
    try:
        profile = client.voyager.get_profile(public_id).parsed
        status = status_from_profile(profile)
        if status is not ConnectionStatus.UNKNOWN:
            return StatusResult(status, "voyager", profile)
    except VoyagerError as exc:  # Throttled / ProfileUnavailable propagate: they are decisions
        log.info("Voyager could not tell the status of %s (%s); reading the top card", public_id, exc)
    client.open(canonical)
    card = locate_top_card(
        client.session.page,
        full_name or (profile.full_name if profile else None),
        public_id=public_id,
        profile_urn=profile.urn if profile else None,
    )
    if card is None:
        return StatusResult(
            ConnectionStatus.UNKNOWN, "top_card", profile, client.capture("status-no-top-card")
        )
    status = card.status()
    capture = client.capture("status-unknown") if status is ConnectionStatus.UNKNOWN else None
    return StatusResult(status, "top_card", profile, capture)
