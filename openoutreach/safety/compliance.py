"""Who may be contacted: the check the lanes run before every invitation and every message.

    verdict = compliance.check(lead, campaign)
    if not verdict.allowed: ...  # close the deal as "Do not contact" with verdict.reason

Two rules, both workspace policy rather than LinkedIn's:
1. The do-not-contact list (`DoNotContact`): a profile, a person's full name or a company, for every
   campaign and account of the workspace.
2. When the campaign sets `exclude_opt_in_jurisdictions`, nobody located in an opt-in jurisdiction
   (`openoutreach.safety.jurisdictions`). The country code of the parsed profile decides; without it, the
   location text. When neither says where the person is, the answer is NO: the operator asked to stay out
   of those places, and "we don't know" must not become "we contacted someone in Germany". A location
   text that names no opt-in country (e.g. "Greater Seattle Area") is taken as outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.models import Lead
from django.db.models import Q

from openoutreach.linkedin.errors import InvalidProfileUrl
from openoutreach.linkedin.urls import public_id_from_url
from openoutreach.outreach.models import Campaign, DoNotContact, LinkedInProfile
from openoutreach.pipeline.leads import parsed_profile

from .jurisdictions import fold, is_opt_in_code, opt_in_country_in_text

DO_NOT_CONTACT = "do_not_contact"
OPT_IN_JURISDICTION = "opt_in_jurisdiction"
LOCATION_UNKNOWN = "location_unknown"

# Legal-form suffixes dropped from company names, so "Acme Inc." on the list matches "ACME" on a profile.
_COMPANY_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|sas|sarl|srl|spa|bv|nv|"
    r"plc|oy|ab|as|aps|kk|pty|pte|lp|llp)\b"
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    rule: str = ""  # which rule refused: DO_NOT_CONTACT, OPT_IN_JURISDICTION or LOCATION_UNKNOWN


ALLOWED = Verdict(True)


def company_key(name: str) -> str:
    return " ".join(_COMPANY_SUFFIXES.sub(" ", fold(name)).split())


def do_not_contact_key(kind: str, value: str) -> str:
    """The normalised form of a do-not-contact entry; ValueError saying why a value cannot be one."""
    text = (value or "").strip()
    if not text:
        raise ValueError("empty value")
    if kind == DoNotContact.Kind.PROFILE:
        if "/" not in text:  # a bare public id, e.g. "jane-doe-123"
            return text.casefold()
        try:
            return public_id_from_url(text).casefold()
        except InvalidProfileUrl as exc:
            raise ValueError(f"not a LinkedIn profile URL: {exc}") from exc
    if kind == DoNotContact.Kind.NAME:
        if len(fold(text).split()) < 2:
            raise ValueError("give the full name (first and last), a single word would match too many people")
        return fold(text)
    if kind == DoNotContact.Kind.COMPANY:
        key = company_key(text)
        if not key:
            raise ValueError(f"{text!r} is only a legal form, not a company name")
        return key
    raise ValueError(f"unknown kind {kind!r}")


def _public_id(lead: Lead, profile: dict | None) -> str:
    row = LinkedInProfile.objects.filter(lead=lead).values_list("public_identifier", flat=True).first()
    if row:
        return row
    if profile and profile.get("public_identifier"):
        return profile["public_identifier"]
    try:
        return public_id_from_url(lead.website) if lead.website else ""
    except InvalidProfileUrl:
        return ""


def _companies(lead: Lead, profile: dict | None) -> set[str]:
    """The lead's company and every current position's company (people often hold two)."""
    names = {lead.company_name or ""}
    for position in (profile or {}).get("positions") or []:
        if isinstance(position, dict) and not (position.get("date_range") or {}).get("end"):
            names.add(position.get("company_name") or "")
    return {key for key in map(company_key, names) if key}


def _listed(lead: Lead, profile: dict | None) -> DoNotContact | None:
    public_id = _public_id(lead, profile)
    full_name = (profile or {}).get("full_name") or f"{lead.first_name} {lead.last_name}"
    match = Q(kind=DoNotContact.Kind.COMPANY, key__in=_companies(lead, profile))
    if public_id:
        match |= Q(kind=DoNotContact.Kind.PROFILE, key=public_id.casefold())
    if fold(full_name):
        match |= Q(kind=DoNotContact.Kind.NAME, key=fold(full_name))
    return DoNotContact.objects.filter(match).first()


def _jurisdiction(lead: Lead, profile: dict | None) -> Verdict:
    code = ((profile or {}).get("country_code") or "").strip()
    if code:
        if is_opt_in_code(code):
            return Verdict(
                False, f"located in an opt-in jurisdiction (country {code.upper()})", OPT_IN_JURISDICTION
            )
        return ALLOWED
    location = (profile or {}).get("location_name") or lead.city_name or ""
    if not location.strip():
        return Verdict(
            False,
            "location unknown (no country code or location on the profile); the campaign excludes "
            "opt-in jurisdictions, so people of unknown location are not contacted",
            LOCATION_UNKNOWN,
        )
    country = opt_in_country_in_text(location)
    if country:
        return Verdict(False, f"located in an opt-in jurisdiction ({location!r})", OPT_IN_JURISDICTION)
    return ALLOWED


def check(lead: Lead, campaign: Campaign) -> Verdict:
    """May this campaign invite or message this person? Call it right before every invitation/message."""
    profile = parsed_profile(lead)
    entry = _listed(lead, profile)
    if entry is not None:
        why = f": {entry.reason}" if entry.reason else ""
        return Verdict(False, f"on the do-not-contact list ({entry}){why}", DO_NOT_CONTACT)
    if campaign.exclude_opt_in_jurisdictions:
        return _jurisdiction(lead, profile)
    return ALLOWED
