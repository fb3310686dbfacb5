"""The dashboard and its CSV downloads under /admin/dashboard/, behind the admin login (superusers).

DjangoCRM's middleware sends everyone who is not a superuser from /admin/... to /crm/...; the
/crm/dashboard/ route turns that into the login page (anonymous) or a clear refusal (CRM users).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import views

app_name = "operator"
urlpatterns = [
    path(
        f"{settings.SECRET_ADMIN_PREFIX}dashboard/", admin.site.admin_view(views.dashboard), name="dashboard"
    ),
    path(
        f"{settings.SECRET_ADMIN_PREFIX}dashboard/export/<int:campaign_id>.csv",
        admin.site.admin_view(views.export_campaign),
        name="export",
    ),
    path(f"{settings.SECRET_CRM_PREFIX}dashboard/", views.not_an_admin, name="not-an-admin"),
]
