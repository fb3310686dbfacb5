"""`python manage.py run_analytics`: build the dbt analytics (DuckDB) from the CRM and show the funnel."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openoutreach.reporting.marts import format_table, read_mart
from openoutreach.reporting.runner import AnalyticsPaths, build
from openoutreach.reporting.source import AnalyticsSetupError, CrmSource

FUNNEL_COLUMNS = [
    "campaign_name", "discovered", "enriched", "qualified", "disqualified",
    "pending", "connected", "completed", "failed",
]  # fmt: skip


class Command(BaseCommand):
    help = "Build the analytics DuckDB file (settings.ANALYTICS_DB) from the CRM with dbt, then print the funnel."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=1, help="dbt threads (default 1)")
        parser.add_argument("--quiet-funnel", action="store_true", help="do not print the funnel")

    def handle(self, *args, threads: int, quiet_funnel: bool, **options):
        if settings.ANALYTICS_DB == settings.EMBEDDINGS_DB:  # the ML worker is that file's only writer
            raise CommandError("ANALYTICS_DB must not be the embeddings file")
        paths = AnalyticsPaths(analytics_db=settings.ANALYTICS_DB, work_dir=settings.DATA_DIR / "analytics")
        try:
            result = build(CrmSource.from_django(settings.DATABASES["default"]), paths, threads=threads)
        except AnalyticsSetupError as exc:
            raise CommandError(str(exc)) from exc
        if not result.success:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
        self.stdout.write(f"written to {result.analytics_db}")
        if not quiet_funnel:
            self.stdout.write(format_table(read_mart(result.analytics_db, "campaign_funnel"), FUNNEL_COLUMNS))
