"""CSV export of a campaign's leads and their states (the admin's "Export leads as CSV").

A campaign's leads are the people it has a label or a deal for. Rows are streamed (a campaign may hold
100,000 people). Cells that a spreadsheet would run as a formula (a name starting with "=", "+", "-",
"@") are prefixed with a quote: profile text is written by strangers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, Subquery

from openoutreach.outreach.models import Campaign, DealState, LinkedInProfile, Qualification
from openoutreach.pipeline.leads import parsed_profile

from .funnel import DEAL_STATES

COLUMNS = (
    "campaign", "state", "profile_url", "public_id", "first_name", "last_name", "headline", "company",
    "location", "country_code", "label", "label_source", "probability", "label_reason", "account",
    "contacted_at", "last_error", "discovered_at", "enriched_at",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _state(deal_state: str | None, label: int | None) -> str:
    if deal_state:
        return DEAL_STATES.get(deal_state, deal_state.lower())
    return {1: "qualified", 0: "disqualified"}.get(label, "needs review")


def rows(campaign: Campaign) -> Iterator[list[str]]:
    """One row per lead of the campaign, in discovery order."""
    deal = DealState.objects.filter(campaign=campaign, lead_id=OuterRef("lead_id"))
    label = Qualification.objects.filter(campaign=campaign, lead_id=OuterRef("lead_id"))
    profiles = (
        LinkedInProfile.objects.filter(Exists(deal) | Exists(label))
        .select_related("lead")
        .annotate(
            deal_state=Subquery(deal.values("state")[:1]),
            account=Subquery(deal.values("account__handle")[:1]),
            contacted_at=Subquery(deal.values("contacted_at")[:1]),
            last_error=Subquery(deal.values("last_error")[:1]),
            label=Subquery(label.values("label")[:1]),
            label_source=Subquery(label.values("source")[:1]),
            prob=Subquery(label.values("prob")[:1]),
            label_reason=Subquery(label.values("reason")[:1]),
        )
        .order_by("discovered_at", "pk")
    )
    for p in profiles.iterator(chunk_size=2000):
        lead, parsed = p.lead, parsed_profile(p.lead) or {}
        yield [
            campaign.name, _state(p.deal_state, p.label), p.url, p.public_identifier, lead.first_name,
            lead.last_name, lead.title, lead.company_name, parsed.get("location_name") or lead.city_name,
            parsed.get("country_code") or "", "" if p.label is None else p.label, p.label_source or "",
            "" if p.prob is None else f"{p.prob:.3f}", p.label_reason or "", p.account or "",
            p.contacted_at.isoformat() if p.contacted_at else "", p.last_error or "",
            p.discovered_at.isoformat(), p.enriched_at.isoformat() if p.enriched_at else "",
        ]  # fmt: skip


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(campaigns: Iterable[Campaign]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for campaign in campaigns:
        for row in rows(campaign):
            yield writer.writerow([_safe(cell) for cell in row])
