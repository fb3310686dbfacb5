"""Message templates (a campaign's sequence steps), rendered with the person's details and the booking link.

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
    """A message template does not render."""


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


# What an operator's template is checked against when it is saved (every variable it may use).
SAMPLE_CONTEXT = {
    "first_name": "Ada", "last_name": "Lovelace", "full_name": "Ada Lovelace", "headline": "Engineer",
    "company": "Analytical Engines", "location": "London", "booking_link": "https://cal.example.com/x",
    "product_pitch": "We build engines.", "campaign": "example",
}  # fmt: skip


def render_template(template: str, campaign: Campaign, lead: Lead, what: str = "the template") -> str:
    """The template filled with the person's details, whitespace collapsed (TemplateProblem if it fails)."""
    try:
        text = _env.from_string(template).render(**template_context(campaign, lead))
    except TemplateError as exc:
        raise TemplateProblem(f"campaign {campaign.name!r}: {what} does not render: {exc}") from exc
    return " ".join(text.split())


def template_problem(template: str) -> str | None:
    """Why a template would not render for a person (syntax, an unknown variable), or None."""
    try:
        _env.from_string(template).render(**SAMPLE_CONTEXT)
    except TemplateError as exc:
        return str(exc)
    return None
