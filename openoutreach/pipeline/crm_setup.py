"""What DjangoCRM needs before our code can write Leads and Deals: site, role groups, countries, and per
campaign department the stages, closing reasons and lead source. Every function is idempotent.
"""

from __future__ import annotations

import json
from pathlib import Path

import common as _crm_common
import crm as _crm
from crm.models import ClosingReason, LeadSource, Stage
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import transaction

from . import stages

ROLE_GROUPS = (
    "managers",
    "operators",
    "task_operators",
    "chiefs",
    "accountants",
    "co-workers",
    "department heads",
)
_FIXTURES = Path(_crm.__file__).parent / "fixtures"
_GROUPS_FIXTURE = Path(_crm_common.__file__).parent / "fixtures" / "groups.json"


@transaction.atomic
def ensure_workspace(domain: str = "localhost:8000") -> None:
    """Site 1, the CRM's role groups with their permissions, countries and currencies."""
    Site.objects.update_or_create(pk=1, defaults={"domain": domain, "name": "OpenOutreach"})
    for row in json.loads(_GROUPS_FIXTURE.read_text()):
        name = row["fields"]["name"]
        if name not in ROLE_GROUPS:
            continue  # the fixture's demo departments are not ours
        group, _ = Group.objects.get_or_create(name=name)
        perms = [
            Permission.objects.filter(codename=code, content_type__app_label=app).first()
            for code, app, _model in row["fields"]["permissions"]
        ]
        group.permissions.set([p for p in perms if p is not None])
    call_command("loaddata", str(_FIXTURES / "country.json"), str(_FIXTURES / "currency.json"), verbosity=0)


@transaction.atomic
def ensure_department(department) -> None:
    """The campaign department's pipeline: our stages, closing reasons and lead source."""
    for name, index, default, success in stages.STAGES:
        Stage.objects.update_or_create(
            department=department,
            name=name,
            defaults={"index_number": index, "default": default, "success_stage": success},
        )
    for index, (name, success) in enumerate(stages.CLOSING_REASONS, start=1):
        ClosingReason.objects.update_or_create(
            department=department, name=name, defaults={"index_number": index, "success_reason": success}
        )
    LeadSource.objects.get_or_create(department=department, name=stages.LEAD_SOURCE)
