"""A readable summary of a lead's LinkedIn profile and of where it stands in each campaign, for the
Lead and Deal pages of the admin (instead of the raw JSON kept in `Lead.description`)."""

from __future__ import annotations

from dataclasses import dataclass

from crm.models import Lead
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from openoutreach.outreach.models import DealState, LinkedInProfile, Qualification
from openoutreach.pipeline.leads import parsed_profile

MAX_POSITIONS = 6
MAX_EDUCATIONS = 3
MAX_SUMMARY_CHARS = 600


def _when(point: dict | None) -> str:
    if not point:
        return ""
    return f"{point['month']:02d}/{point['year']}" if point.get("month") else str(point["year"])


def period(date_range: dict | None) -> str:
    """'03/2021 – now', '2015 – 2020', or '' when LinkedIn gave no dates."""
    if not date_range or not date_range.get("start"):
        return ""
    return f"{_when(date_range['start'])} – {_when(date_range.get('end')) or 'now'}"


@dataclass(frozen=True)
class Line:
    title: str
    detail: str
    period: str


def _positions(profile: dict) -> list[Line]:
    return [
        Line(p.get("title") or "", p.get("company_name") or "", period(p.get("date_range")))
        for p in (profile.get("positions") or [])[:MAX_POSITIONS]
        if isinstance(p, dict)
    ]


def _educations(profile: dict) -> list[Line]:
    return [
        Line(
            e.get("school_name") or "",
            ", ".join(filter(None, [e.get("degree_name"), e.get("field_of_study")])),
            period(e.get("date_range")),
        )
        for e in (profile.get("educations") or [])[:MAX_EDUCATIONS]
        if isinstance(e, dict)
    ]


def render(lead: Lead | None, campaigns: bool = True) -> SafeString:
    """The summary as HTML (every value escaped by the template); `campaigns=False` leaves out where the
    lead stands in each campaign (the review card says that itself)."""
    if lead is None:
        return SafeString("")
    profile = parsed_profile(lead) or {}
    summary = (profile.get("summary") or "").strip()
    context = {
        "lead": lead,
        "profile": profile,
        "name": profile.get("full_name") or f"{lead.first_name} {lead.last_name}".strip(),
        "summary": summary[:MAX_SUMMARY_CHARS] + ("…" if len(summary) > MAX_SUMMARY_CHARS else ""),
        "positions": _positions(profile),
        "educations": _educations(profile),
        "linkedin": LinkedInProfile.objects.filter(lead=lead).first(),
        "qualifications": Qualification.objects.filter(lead=lead).select_related("campaign__department")
        if campaigns
        else [],
        "deals": DealState.objects.filter(lead=lead).select_related("campaign__department", "account")
        if campaigns
        else [],
    }
    return SafeString(render_to_string("operator/profile_summary.html", context))
