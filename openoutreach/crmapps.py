"""Quiet replacements for DjangoCRM's app configs.

DjangoCRM's `ready()` methods start ~7 daemon threads in every process that loads Django (IMAP import,
mail senders, currency rates, reminders, monthly snapshots) and delete MEDIA_ROOT/locks/*. None of that
belongs in an outreach system's web, worker, beat or test processes: they would contend for the SQLite
database and spam the logs. These subclasses keep only what the CRM needs to work.
"""

from __future__ import annotations

from analytics.apps import AnalyticsConfig
from common.apps import CommonConfig
from crm.apps import CrmConfig
from massmail.apps import MassmailConfig


class QuietCrmConfig(CrmConfig):
    def ready(self) -> None:  # no IMAP / e-mail import threads
        from openoutreach.operator.menus import hide_unused_crm_parts

        drop_spreadsheet_export()
        hide_unused_crm_parts()

    def import_emails(self, user) -> None:
        """UserMiddleware calls this on every request; we import no e-mail."""


def drop_spreadsheet_export() -> None:
    """Remove DjangoCRM's "Export selected" action from every admin site (its URL and "Export all" link
    are switched off in openoutreach/urls.py and templates/admin/crm/): it wrote stranger-written profile
    text as live spreadsheet formulas. Runs after the admin modules are imported (admin comes first in
    INSTALLED_APPS, and its ready() imports them)."""
    from django.contrib.admin.sites import all_sites

    for site in all_sites:
        for model_admin in site._registry.values():
            actions = model_admin.actions or ()
            if "export_selected" in actions:
                model_admin.actions = [a for a in actions if a != "export_selected"]


class QuietCommonConfig(CommonConfig):
    def ready(self) -> None:
        # Keep the signal handler that gives every new user a profile and the `co-workers` group.
        from common.signals.handlers import user_creation_handler  # noqa: F401


class QuietMassmailConfig(MassmailConfig):
    def ready(self) -> None:  # no mass-mail sender thread
        pass


class QuietAnalyticsConfig(AnalyticsConfig):
    def ready(self) -> None:  # no monthly snapshot thread
        pass
