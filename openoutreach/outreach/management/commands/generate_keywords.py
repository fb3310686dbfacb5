"""`manage.py generate_keywords --campaign NAME [--count N]`: new LinkedIn search keywords from the LLM.

Goes through the ML code (`openoutreach.ml.drafting.generate_campaign_keywords`: the campaign's budgeted
LLM client, never a keyword the campaign already has), saves them unused and prints them. They can be
edited or deleted in the admin (Campaign page, keywords inline) before the search lane uses them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openoutreach.ml.context import from_settings
from openoutreach.ml.drafting import generate_campaign_keywords
from openoutreach.outreach.models import Campaign, SearchKeyword


class Command(BaseCommand):
    help = "Ask the LLM for new search keywords for a campaign, save them (unused) and show them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", required=True, help="the campaign's name")
        parser.add_argument("--count", type=int, default=10, help="how many to ask for (1-50, default 10)")

    def handle(self, *args, campaign: str, count: int, **options) -> None:
        if not 1 <= count <= 50:
            raise CommandError(f"--count must be between 1 and 50, got {count}")
        target = (
            Campaign.objects.select_related("department").filter(department__name__iexact=campaign).first()
        )
        if target is None:
            names = ", ".join(c.name for c in Campaign.objects.all()) or "none yet"
            raise CommandError(f"no campaign named {campaign!r} (campaigns: {names})")

        report = generate_campaign_keywords(target.pk, from_settings(settings), count)
        if report.paused:
            raise CommandError(f"{report.paused}. Nothing was saved.")
        if report.error:
            raise CommandError(f"the LLM gave no usable keywords: {report.error}. Nothing was saved.")

        unused = SearchKeyword.objects.filter(campaign=target, used=False).count()
        if report.created:
            self.stdout.write(f"New search keywords for {target.name!r} (saved unused):")
            for keyword in report.created:
                self.stdout.write(f"  - {keyword}")
        else:
            self.stdout.write(f"The LLM suggested nothing that {target.name!r} does not already have.")
        self.stdout.write(
            f"{unused} unused keyword(s) wait for the search lane; edit them in the admin: "
            f"/{settings.SECRET_ADMIN_PREFIX}outreach/campaign/{target.pk}/change/"
        )
