"""Follow-up drafts: the messages of a campaign's sequence after a connection is accepted.

Each draft is one sequence step (`StepBrief`: its number, the sequence's length and the operator's
instruction for it, e.g. "a short reminder with one new angle"); step 1 is the first message.

The prompt is a Jinja2 template filled with the person's first name, headline, current company,
location, shared connections and the product (every one filled: a missing name or product is an error,
not a hole). LinkedIn's documented surface gives no count of shared connections, but it does give the
network distance when the profile was read (before the invitation): a 2nd-degree member shares at least
one connection with the account, a 3rd-degree or out-of-network one shares none. That fact is what the
prompt states (`shared_connections_from`); the model is told to mention shared connections only when
there are some. The draft must be 2-4 sentences, at most 400 characters, with no placeholders and no signature;
a draft that breaks a rule is retried once, then returned as NeedsReview. The booking link is appended
after the LLM, so the model can neither drop nor alter it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openoutreach.ml.llm import LLMClient, NeedsReview
from openoutreach.ml.profile_text import current_company
from openoutreach.ml.prompts import quote_text, render
from openoutreach.ml.qualification import profile_url

MAX_CHARS = 400
MIN_SENTENCES, MAX_SENTENCES = 2, 4
_PLACEHOLDER = re.compile(r"\[[^\]]*\]|\{[^}]*\}|<[^>]*>|\b(?:first_name|company_name|your name)\b", re.I)
_SIGNATURE = re.compile(
    r"\n\s*(?:best|kind|warm)?\s*(?:regards|wishes|cheers|thanks|thank you|sincerely|best)\s*,?\s*\n?.*$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


@dataclass(frozen=True)
class FollowupInputs:
    """Everything the template needs, all non-empty (checked)."""

    first_name: str
    full_name: str
    headline: str
    company: str
    location: str
    shared_connections: str
    profile_url: str
    product: str


# memberDistance when the profile was enriched (before our invitation) -> what the account shares with them
_SHARED_BY_DISTANCE = {
    "DISTANCE_2": "at least one (they were a 2nd-degree connection before connecting)",
    "DISTANCE_3": "none (they were a 3rd-degree connection before connecting)",
    "OUT_OF_NETWORK": "none (they were outside the network before connecting)",
    "DISTANCE_1": "not known (already connected when their profile was read)",
}


def shared_connections_from(profile: Mapping[str, Any]) -> str:
    """What the account is known to share with the person, from the network distance the parser kept."""
    distance = profile.get("distance")
    return _SHARED_BY_DISTANCE.get(distance or "", "not known (LinkedIn did not say how they are connected)")


def inputs_from_profile(profile: Mapping[str, Any], product: str) -> FollowupInputs:
    """Build the template inputs from the parsed profile; a missing name or product is an error."""
    first = (profile.get("first_name") or str(profile.get("full_name") or "").split(" ")[0]).strip()
    if not first:
        raise ValueError("cannot draft a follow-up without the person's first name")
    if not product.strip():
        raise ValueError("cannot draft a follow-up without the campaign's product description")
    return FollowupInputs(
        first_name=quote_text(first),
        full_name=quote_text(profile.get("full_name") or first),
        headline=quote_text(profile.get("headline") or "not stated"),
        company=quote_text(current_company(profile) or "not stated"),
        location=quote_text(profile.get("location_name") or "not stated"),
        shared_connections=shared_connections_from(profile),
        profile_url=quote_text(profile_url(profile)),
        product=product.strip(),
    )


def draft_problem(draft: str) -> str | None:
    """Why a draft cannot be sent as it is, or None."""
    if not draft:
        return "empty draft"
    if len(draft) > MAX_CHARS:
        return f"{len(draft)} characters, more than {MAX_CHARS}"
    if _PLACEHOLDER.search(draft):
        return f"placeholder {_PLACEHOLDER.search(draft).group(0)!r}"
    if _SIGNATURE.search(draft):
        return "ends with a sign-off/signature"
    if "http://" in draft or "https://" in draft:
        return "contains a link (the booking link is added by us)"
    sentences = len(_SENTENCE_END.findall(draft.strip()))
    if not MIN_SENTENCES <= sentences <= MAX_SENTENCES:
        return f"{sentences} sentences, expected {MIN_SENTENCES}-{MAX_SENTENCES}"
    return None


@dataclass(frozen=True)
class StepBrief:
    """Which message of the sequence is drafted, and the operator's instruction for it (may be empty)."""

    number: int = 1
    total: int = 1
    instruction: str = ""


def draft_followup(
    client: LLMClient, inputs: FollowupInputs, booking_link: str = "", step: StepBrief | None = None
) -> str | NeedsReview:
    """The message to send: the checked LLM draft, then the booking link on its own line (if any)."""
    step = step or StepBrief()
    system = render("followup_system")
    user = render(
        "followup_user", **vars(inputs), step=step.number, steps=step.total, instruction=step.instruction
    )
    draft = client.text(system, user, draft_problem)
    if isinstance(draft, NeedsReview):
        return draft
    return f"{draft}\n\n{booking_link.strip()}" if booking_link.strip() else draft
