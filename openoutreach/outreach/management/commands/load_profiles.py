"""`manage.py load_profiles urls.csv [--campaign NAME]`: seed discovered leads from LinkedIn profile URLs.

Prints what was imported, what was a duplicate and what was rejected (line numbers and reasons). The
file is imported in batches of BATCH_ROWS rows, one transaction each (so the workers can write between
them): interrupted, it keeps the whole batches committed so far and never half a batch; run it again
on the same file to finish (what is already in is reported as a duplicate).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openoutreach.operator.csv_import import UnreadableCsv, import_profiles, read_rows
from openoutreach.outreach.models import Campaign


class Command(BaseCommand):
    help = "Import LinkedIn profile URLs from a CSV file as discovered leads (one transaction per batch)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "csv_file", type=Path, help="CSV with a 'url' column, or URLs in the first column"
        )
        parser.add_argument(
            "--campaign",
            help="mark the listed people as your picks for this campaign (label 1, source operator)",
        )

    def handle(self, *args, csv_file: Path, campaign: str | None, **options) -> None:
        target = None
        if campaign:
            target = Campaign.objects.filter(department__name__iexact=campaign).first()
            if target is None:
                names = ", ".join(c.name for c in Campaign.objects.all()) or "none yet"
                raise CommandError(f"no campaign named {campaign!r} (campaigns: {names})")
        try:
            report = import_profiles(
                read_rows(csv_file),
                settings.LINKEDIN_BASE_URL,
                target,
                source=csv_file.name,
                progress=lambda n: self.stdout.write(f"... {n} rows read and committed", ending="\n"),
            )
        except UnreadableCsv as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from None  # raised before the first row
        self.stdout.write(report.summary(str(csv_file), target))
