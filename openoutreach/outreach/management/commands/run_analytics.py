"""`python manage.py run_analytics`: build the dbt analytics (DuckDB) from the CRM and show the funnel."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openoutreach.reporting.marts import format_table, read_mart
from openoutreach.reporting.runner import build_from_settings
from openoutreach.reporting.source import AnalyticsSetupError

FUNNEL_COLUMNS = [
    "campaign_name", "discovered", "enriched", "qualified", "disqualified",
    "pending", "connected", "completed", "replied", "failed",
]  # fmt: skip


class Command(BaseCommand):
    help = "Build the analytics DuckDB file (settings.ANALYTICS_DB) from the CRM with dbt, then print the funnel."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=1, help="dbt threads (default 1)")
        parser.add_argument("--no-funnel", action="store_true", help="do not print the funnel")

    def handle(self, *args, threads: int, no_funnel: bool, **options):
        try:
            result = build_from_settings(threads=threads)
        except AnalyticsSetupError as exc:
            raise CommandError(str(exc)) from exc
        if not result.success:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
        self.stdout.write(f"written to {result.analytics_db}")
        if not no_funnel:
            self.stdout.write(format_table(read_mart(result.analytics_db, "campaign_funnel"), FUNNEL_COLUMNS))
