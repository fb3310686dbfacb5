"""The admin dashboard page and the per-campaign CSV download (both behind the admin login, see urls.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from openoutreach.outreach.models import Campaign, Qualification

from . import charts, export, review_queue
from .dashboard import CAPPED_KINDS, build
from .funnel import STATES

SOURCES = [s.value for s in Qualification.Source]


def dashboard(request: HttpRequest) -> HttpResponse:
    from openoutreach.conversations.stats import reply_stats

    data = build()
    waiting = review_queue.waiting_counts()
    funnels = [
        {
            "funnel": f,
            "rows": [(s, f.counts[s]) for s in STATES],
            "waiting": waiting.get(f.campaign.pk, 0),  # held leads included (they have a closed deal)
            "replies": reply_stats(f.campaign),
            "chart": mark_safe(
                charts.horizontal_bars([(s, f.counts[s]) for s in STATES], f"funnel of {f.campaign.name}")
            ),
        }
        for f in data.funnels
    ]
    accounts = [
        {
            "activity": a,
            "usage": [(kind, a.usage[kind]) for kind in CAPPED_KINDS],
            "chart": mark_safe(
                charts.daily_bars(
                    [charts.DayBars(f"{d.day:%m-%d}", d.done, d.cap) for d in a.days],
                    ["connect", "follow_up"],
                    f"actions per day of {a.account.handle}",
                )
            ),
            "enrich_days": [(d.day, d.done["enrich"], d.cap["enrich"]) for d in a.days],
        }
        for a in data.accounts
    ]
    decisions = [
        {
            "decisions": d,
            "sources": [(s, d.by_source.get(s, 0)) for s in SOURCES],
            "chart": mark_safe(
                charts.stacked_bar(
                    [(s, d.by_source.get(s, 0)) for s in SOURCES], f"decisions of {d.campaign.name}"
                )
            ),
        }
        for d in data.decisions
    ]
    acceptance = [
        {
            "data": a,
            "chart": mark_safe(
                charts.horizontal_bars(
                    [(f"decile {d.number}", round(100 * d.rate)) for d in a.deciles],
                    f"acceptance rate (%) by score decile of {a.campaign.name}",
                )
            ),
        }
        for a in data.acceptance
    ]
    context = {
        **admin.site.each_context(request),
        "acceptance": acceptance,
        "title": "Dashboard",
        "data": data,
        "funnels": funnels,
        "accounts": accounts,
        "decisions": decisions,
        "states": STATES,
    }
    return render(request, "operator/dashboard.html", context)


def export_campaign(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("department"), pk=campaign_id)
    response = StreamingHttpResponse(export.csv_lines([campaign]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.pk}-leads-{timezone.now():%Y%m%d}.csv"'
    )
    return response


def not_an_admin(request: HttpRequest) -> HttpResponse:
    """Where DjangoCRM's middleware sends non-superusers who asked for the dashboard."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("operator:dashboard"), settings.LOGIN_URL)
    return HttpResponseForbidden("The dashboard is for OpenOutreach administrators (superusers).")
