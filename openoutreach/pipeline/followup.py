"""The campaign's follow-up template, rendered with the person's details and the booking link.

Templates are Jinja2 in a sandboxed environment (an operator's template must not reach Python objects)
with StrictUndefined: a misspelt variable is an error the operator sees, never a message with a hole in it.
"""

from __future__ import annotations

import re

from crm.models import Lead
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from openoutreach.outreach.models import Campaign

from .leads import parsed_profile

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)


class TemplateProblem(ValueError):
    """The campaign's follow-up template does not render."""


def first_sentence(text: str) -> str:
    match = re.match(r"\s*(.+?[.!?])(\s|$)", text or "", re.S)
    return " ".join((match.group(1) if match else (text or "")).split())


def template_context(campaign: Campaign, lead: Lead) -> dict[str, str]:
    profile = parsed_profile(lead) or {}
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "full_name": f"{lead.first_name} {lead.last_name}".strip(),
        "headline": profile.get("headline") or lead.title,
        "company": lead.company_name,
        "location": profile.get("location_name") or lead.city_name,
        "booking_link": campaign.booking_link,
        "product_pitch": first_sentence(campaign.product_docs),
        "campaign": campaign.name,
    }


def render_followup(campaign: Campaign, lead: Lead) -> str:
    try:
        text = _env.from_string(campaign.followup_template).render(**template_context(campaign, lead))
    except TemplateError as exc:
        raise TemplateProblem(
            f"campaign {campaign.name!r}: the follow-up template does not render: {exc}"
        ) from exc
    return " ".join(text.split())
