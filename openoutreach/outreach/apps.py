from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "openoutreach.outreach"
    label = "outreach"
    verbose_name = "Outreach"
    default_auto_field = "django.db.models.BigAutoField"
