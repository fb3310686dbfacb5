"""URLs: the CRM UI under /crm/, Django Admin (and our dashboard) under /admin/, mirroring webcrm/urls.py."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def spreadsheet_export_off(request):
    """DjangoCRM's export-objects view answered 500 on a fresh data dir and wrote profile text as live
    spreadsheet formulas; it is switched off (the URL name stays, for any CRM template that links it)."""
    return HttpResponseNotFound(
        "The CRM's spreadsheet export is switched off. Export a campaign's people as CSV (formula-safe) "
        "in Admin > Outreach > Campaigns with the action 'Export leads and states as CSV'.",
        content_type="text/plain",
    )


urlpatterns = [
    path("healthz", healthz),
    path("", lambda request: HttpResponseRedirect(f"/{settings.SECRET_ADMIN_PREFIX}")),
]
urlpatterns += i18n_patterns(
    path("", include("openoutreach.operator.urls")),  # the dashboard: /admin/dashboard/
    path(f"{settings.SECRET_CRM_PREFIX}export-objects/", spreadsheet_export_off, name="export_objects"),
    path(settings.SECRET_CRM_PREFIX, include("common.urls")),
    path(settings.SECRET_CRM_PREFIX, include("crm.urls")),
    path(settings.SECRET_CRM_PREFIX, include("massmail.urls")),
    path(settings.SECRET_CRM_PREFIX, include("tasks.urls")),
    path(settings.SECRET_ADMIN_PREFIX, admin.site.urls),
    prefix_default_language=False,
)
