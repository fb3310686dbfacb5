"""`manage.py setup_crm`: create what DjangoCRM needs (idempotent; `make setup` runs it after migrate)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from openoutreach.outreach.models import Campaign
from openoutreach.pipeline.crm_setup import ensure_department, ensure_workspace


class Command(BaseCommand):
    help = "Create the CRM's site, groups, countries, and each campaign's stages, closing reasons and lead source."

    def handle(self, *args, **options) -> None:
        ensure_workspace()
        campaigns = list(Campaign.objects.select_related("department"))
        for campaign in campaigns:
            ensure_department(campaign.department)
        self.stdout.write(f"CRM ready: workspace and {len(campaigns)} campaign pipeline(s).")
