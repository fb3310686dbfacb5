"""URLs: the CRM UI under /crm/, Django Admin (and our dashboard) under /admin/, mirroring webcrm/urls.py."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("", lambda request: HttpResponseRedirect(f"/{settings.SECRET_ADMIN_PREFIX}")),
]
urlpatterns += i18n_patterns(
    path("", include("openoutreach.operator.urls")),  # the dashboard: /admin/dashboard/
    path(settings.SECRET_CRM_PREFIX, include("common.urls")),
    path(settings.SECRET_CRM_PREFIX, include("crm.urls")),
    path(settings.SECRET_CRM_PREFIX, include("massmail.urls")),
    path(settings.SECRET_CRM_PREFIX, include("tasks.urls")),
    path(settings.SECRET_ADMIN_PREFIX, admin.site.urls),
    prefix_default_language=False,
)
