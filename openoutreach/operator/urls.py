"""The dashboard and its CSV downloads under /admin/dashboard/ and the review pages under /admin/review/,
behind the admin login (superusers; POSTs need the CSRF token like every admin form).

DjangoCRM's middleware sends everyone who is not a superuser from /admin/... to /crm/...; the
/crm/dashboard/ route turns that into the login page (anonymous) or a clear refusal (CRM users).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import review_views, views

A = settings.SECRET_ADMIN_PREFIX

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
    path(f"{settings.SECRET_CRM_PREFIX}review/", review_views.not_an_admin, name="review-not-an-admin"),
    path(f"{settings.SECRET_CRM_PREFIX}review/<path:rest>", review_views.not_an_admin),
    path(f"{A}review/", admin.site.admin_view(review_views.index), name="review-index"),
    path(f"{A}review/<int:campaign_id>/", admin.site.admin_view(review_views.page), name="review"),
    path(
        f"{A}review/<int:campaign_id>/answer/",
        admin.site.admin_view(review_views.answer),
        name="review-answer",
    ),
    path(f"{A}review/<int:campaign_id>/undo/", admin.site.admin_view(review_views.undo), name="review-undo"),
    path(
        f"{A}review/<int:campaign_id>/restart/",
        admin.site.admin_view(review_views.restart),
        name="review-restart",
    ),
]
