"""Leads in the CRM: one DjangoCRM Lead per canonical profile URL, ever, and what enrichment writes.

`discover` records a URL seen anywhere (search results, sidebars, a CSV import): it creates the Lead and
its LinkedInProfile row in one transaction, and the unique URL index makes a concurrent second discovery
of the same person return the first one instead of a duplicate. `save_enrichment` writes the parsed
Voyager profile onto the Lead (names, headline, city, company, the parsed JSON in `description`), links a
Company row, attaches the raw response as a TheFile and records the action in the ActionLog.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from babel import Locale
from common.models import TheFile
from crm.models import Company, Country, Lead
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from openoutreach.linkedin.voyager import ParsedProfile
from openoutreach.outreach.models import ActionLog, LinkedInAccount, LinkedInProfile


@dataclass(frozen=True)
class Discovery:
    lead: Lead
    created: bool


def discover(url: str, public_identifier: str, account: LinkedInAccount | None = None) -> Discovery:
    """The Lead of this canonical profile URL, created on first sight."""
    existing = LinkedInProfile.objects.select_related("lead").filter(url=url).first()
    if existing:
        return Discovery(existing.lead, False)
    try:
        with transaction.atomic():
            lead = Lead.objects.create(website=url[:200], first_name=public_identifier[:100])
            LinkedInProfile.objects.create(
                lead=lead, url=url, public_identifier=public_identifier, discovered_by=account
            )
    except IntegrityError:  # another process discovered the same person first: theirs is the one Lead
        return Discovery(LinkedInProfile.objects.select_related("lead").get(url=url).lead, False)
    return Discovery(lead, True)


def discover_many(urls: dict[str, str], account: LinkedInAccount | None = None) -> int:
    """Discover {canonical url: public id}; returns how many people were new."""
    return sum(discover(url, public_id, account).created for url, public_id in urls.items())


def _current_company(profile: ParsedProfile) -> tuple[str, str]:
    """(name, urn) of the most recent position that has not ended, else the first listed."""
    for position in profile.positions:
        if position.company_name and not (position.date_range or {}).get("end"):
            return position.company_name, position.company_urn or ""
    first = profile.positions[0] if profile.positions else None
    return (first.company_name or "", first.company_urn or "") if first else ("", "")


def _company(name: str, urn: str, country: Country | None) -> Company | None:
    if not name:
        return None
    company = Company.objects.filter(full_name=name[:200], country=country).first()
    if company is None:
        company = Company.objects.create(full_name=name[:200], country=country, description=urn)
    return company


@transaction.atomic
def save_enrichment(
    lead: Lead,
    profile: ParsedProfile,
    raw: bytes,
    account: LinkedInAccount | None,
    task_id: str = "",
    voyager_path: str = "",
) -> Lead:
    """Write a parsed Voyager profile onto its Lead; raw JSON as a TheFile; one ActionLog row (its detail
    names the Voyager path that served the profile, when known)."""
    country = _country(profile.country_code)
    company_name, company_urn = _current_company(profile)
    lead.first_name = (profile.first_name or profile.public_identifier or lead.first_name)[:100]
    lead.last_name = (profile.last_name or "")[:100]
    lead.title = (profile.headline or "")[:100]
    lead.city_name = (profile.location_name or "")[:50]
    lead.country = country
    lead.company_name = company_name[:200]
    lead.company = _company(company_name, company_urn, country)
    lead.description = json.dumps(profile.to_dict(), ensure_ascii=False)
    lead.save()

    TheFile.objects.create(
        file=ContentFile(raw, name=f"voyager-{profile.public_identifier or lead.pk}.json"),
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=lead.pk,
    )
    LinkedInProfile.objects.filter(lead=lead).update(
        enriched_at=timezone.now(), urn=profile.urn or "", unavailable_reason="", enrich_claimed_until=None
    )
    parts = [f"voyager_path={voyager_path}"] if voyager_path else []
    if profile.missing:
        parts.append(f"missing: {', '.join(profile.missing)}")
    detail = "; ".join(parts)
    ActionLog.objects.create(
        account=account,
        kind=ActionLog.Kind.ENRICH,
        outcome=ActionLog.Outcome.OK,
        lead=lead,
        detail=detail,
        task_id=task_id,
    )
    return lead


def mark_unavailable(lead: Lead, reason: str, account: LinkedInAccount | None, task_id: str = "") -> None:
    """A private, deleted or restricted profile: never enriched, never contacted, kept for the record."""
    with transaction.atomic():
        LinkedInProfile.objects.filter(lead=lead).update(
            unavailable_reason=reason[:200], enrich_claimed_until=None
        )
        ActionLog.objects.create(
            account=account,
            kind=ActionLog.Kind.ENRICH,
            outcome=ActionLog.Outcome.SKIPPED,
            lead=lead,
            detail=reason,
            task_id=task_id,
        )


def parsed_profile(lead: Lead) -> dict | None:
    """The parsed profile stored on an enriched Lead, or None before enrichment."""
    if not lead.description.startswith("{"):
        return None
    try:
        return json.loads(lead.description)
    except json.JSONDecodeError:
        return None


def _country(code: str | None) -> Country | None:
    """DjangoCRM's Country rows have English names, not ISO codes: map the code through CLDR's names.
    No match (a territory the CRM does not list) leaves the country empty; the code stays in the JSON."""
    if not code:
        return None
    name = Locale("en").territories.get(code.upper())
    return Country.objects.filter(name=name).first() if name else None
