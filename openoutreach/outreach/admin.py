"""Django Admin for OpenOutreach: campaigns (sequence steps and keywords inline, people per state, CSV export), LinkedIn
accounts (write-only credentials, health, pause/resume, usage against caps, campaign membership), the
read-only audit trail, labels, the do-not-contact list, and a readable profile summary on DjangoCRM's
Lead and Deal pages. The dashboard (charts) is `openoutreach.operator.views`, linked from every page.
"""

from __future__ import annotations

from pathlib import Path

from crm import admin as crm_admin
from crm.models import Deal, Lead
from crm.site.crmadminsite import crm_site
from crm.site.dealadmin import DealAdmin as CrmSiteDealAdmin
from crm.site.leadadmin import LeadAdmin as CrmSiteLeadAdmin
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from openoutreach.operator import export, profile_summary
from openoutreach.operator.admin_forms import CampaignForm, LinkedInAccountForm, SequenceStepForm
from openoutreach.operator.funnel import STATES, funnel
from openoutreach.operator.labels import lane_label
from openoutreach.pipeline import sequences
from openoutreach.safety import caps, health

from .models import (
    ActionLog,
    Campaign,
    DealState,
    DoNotContact,
    LegalAcceptance,
    LinkedInAccount,
    LinkedInProfile,
    Qualification,
    SearchKeyword,
    SequenceStep,
)

# -- campaigns -------------------------------------------------------------------------------------------


class SearchKeywordInline(admin.TabularInline):
    model = SearchKeyword
    extra = 1
    fields = ["keyword", "used", "used_at", "pages_searched", "profiles_found"]
    readonly_fields = ["used_at", "pages_searched", "profiles_found"]


class SequenceStepInline(admin.StackedInline):
    """The campaign's sequence, edited in place: one block per step, in position order."""

    model = SequenceStep
    form = SequenceStepForm
    extra = 0
    fields = ["position", "delay_days", "kind", "template", "prompt"]
    ordering = ["position"]


def csv_response(campaigns, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.csv_lines(campaigns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-leads-{timezone.now():%Y%m%d}.csv"'
    return response


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = [
        "__str__",
        "active",
        "is_partner",
        "exclude_opt_in_jurisdictions",
        "people",
        "keywords_left",
    ]
    list_filter = ["active", "is_partner", "exclude_opt_in_jurisdictions"]
    search_fields = ["department__name"]
    inlines = [SequenceStepInline, SearchKeywordInline]
    readonly_fields = ["people_per_state"]
    actions = ["export_leads"]
    fieldsets = [
        (None, {"fields": ["name", "active", "accounts", "people_per_state"]}),
        ("Pitch", {"fields": ["product_docs", "campaign_objective", "booking_link"]}),
        ("Compliance", {"fields": ["exclude_opt_in_jurisdictions"]}),
        ("Stale invitations", {"fields": ["withdraw_after_days", "reinvite_after_withdrawal"]}),
        (
            "Pacing and budget",
            {
                "fields": [
                    "is_partner",
                    "action_fraction",
                    "min_qualifiable_leads",
                    "llm_daily_calls",
                    "llm_daily_tokens",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        sequences.ensure_sequence(form.instance)  # a campaign always has at least one step

    @admin.display(description="People (now)")
    def people(self, campaign: Campaign) -> str:
        return funnel(campaign).line()

    @admin.display(description="Keywords unused / all")
    def keywords_left(self, campaign: Campaign) -> str:
        keywords = campaign.keywords.all()
        return f"{keywords.filter(used=False).count()} / {keywords.count()}"

    @admin.display(description="People per state")
    def people_per_state(self, campaign: Campaign) -> str:
        if not campaign.pk:
            return "—"
        f = funnel(campaign)
        cells = format_html_join(
            "", "<tr><th>{}</th><td data-state='{}'>{}</td></tr>", ((s, s, f.counts[s]) for s in STATES)
        )
        return format_html(
            "<table>{}</table><p>{} awaiting review; {} unavailable profiles in the pool.</p>",
            cells,
            f.needs_review,
            f.unavailable,
        )

    @admin.action(description="Export leads and states as CSV")
    def export_leads(self, request, queryset):
        campaigns = list(queryset.select_related("department"))
        name = campaigns[0].name if len(campaigns) == 1 else "campaigns"
        return csv_response(campaigns, name)


# -- accounts --------------------------------------------------------------------------------------------


def usage_table(account: LinkedInAccount) -> str:
    rows = []
    for kind, usage in caps.usage_summary(account).items():
        week = f"{usage.week} / {usage.weekly_cap}" if usage.weekly_cap is not None else "—"
        rows.append((kind, capfirst(lane_label(kind)), usage.today, usage.daily_cap, week))
    body = format_html_join("", "<tr data-kind='{}'><th>{}</th><td>{} / {}</td><td>{}</td></tr>", rows)
    return format_html("<table><tr><th></th><th>today</th><th>this week</th></tr>{}</table>", body)


@admin.register(LinkedInAccount)
class LinkedInAccountAdmin(admin.ModelAdmin):
    form = LinkedInAccountForm
    list_display = ["handle", "username", "active", "health", "today", "invitations_this_week", "works_for"]
    list_filter = ["active", "status"]
    search_fields = ["handle", "username"]
    actions = ["pause_accounts", "resume_accounts", "resume_lanes"]
    readonly_fields = ["health", "usage", "password_set", "consecutive_failures", "voyager", "created_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "handle",
                    "username",
                    "password",
                    "password_set",
                    "proxy",
                    "active",
                    "accept_legal_notice",
                    "campaigns",
                ]
            },
        ),  # fmt: skip
        ("Health", {"fields": ["health", "consecutive_failures", "usage", "voyager"]}),
        (
            "Limits",
            {
                "fields": [
                    "connect_daily_limit",
                    "connect_weekly_limit",
                    "followup_daily_limit",
                    "enrich_daily_limit",
                    "withdraw_daily_limit",
                ]
            },
        ),
        ("Working hours", {"fields": ["working_hours_start", "working_hours_end", "time_zone"]}),
        ("Warm-up", {"fields": ["warmup_started_on", "warmup_days", "warmup_start_fraction"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def get_readonly_fields(self, request, obj=None):
        # The handle names the account's worker queue: renaming it under a running worker would strand it.
        return [*self.readonly_fields, "handle"] if obj else self.readonly_fields

    @admin.display(description="Health")
    def health(self, account: LinkedInAccount) -> str:
        if not account.pk:
            return "—"
        lanes = format_html_join(
            "",
            "<br><span style='color: #c62828' data-lane='{}'>{} paused</span>: {} {}{}",
            (
                (p.lane, capfirst(p.get_lane_display()), p.get_reason_display(), p.detail,
                 f" (until {p.until:%Y-%m-%d %H:%M} UTC)" if p.until else " (until resumed)")
                for p in account.paused_lanes()
            ),
        )  # fmt: skip
        return format_html("{}{}", self._account_health(account), lanes)

    def _account_health(self, account: LinkedInAccount) -> str:
        if not health.is_paused(account):
            failures = (
                f" ({account.consecutive_failures} failures in a row)" if account.consecutive_failures else ""
            )
            return format_html("<span style='color: #2e7d32'>OK</span>{}", failures)
        until = (
            f"until {account.paused_until:%Y-%m-%d %H:%M} UTC" if account.paused_until else "until resumed"
        )
        since = f"since {account.paused_at:%Y-%m-%d %H:%M} UTC, " if account.paused_at else ""
        return format_html(
            "<span style='color: #c62828'>Paused</span>: {} <small>({}{})</small>",
            account.paused_reason,
            since,
            until,
        )

    @admin.display(description="Voyager path")
    def voyager(self, account: LinkedInAccount) -> str:
        if account.voyager_path != LinkedInAccount.VoyagerPath.GRAPHQL:
            return "REST (identity/dash/profiles)"
        since = f" on {account.voyager_switched_at:%Y-%m-%d %H:%M} UTC" if account.voyager_switched_at else ""
        return format_html(
            "<strong>GraphQL</strong>: switched{} because LinkedIn's REST profile endpoint answered 410 Gone "
            "or in a shape the parser could not read. Profiles are now read with the query id in "
            "<code>VOYAGER_GRAPHQL_QUERY_ID</code>; if they start failing, refresh it (see the README).",
            since,
        )

    @admin.display(description="Today")
    def today(self, account: LinkedInAccount) -> str:
        summary = caps.usage_summary(account)
        return " · ".join(f"{lane_label(kind)} {u.today}/{u.daily_cap}" for kind, u in summary.items())

    @admin.display(description="Invitations this week")
    def invitations_this_week(self, account: LinkedInAccount) -> str:
        usage = caps.usage(account, ActionLog.Kind.CONNECT)
        return f"{usage.week} / {usage.weekly_cap}"

    @admin.display(description="Campaigns")
    def works_for(self, account: LinkedInAccount) -> str:
        from openoutreach.pipeline.campaigns import campaigns_of

        return ", ".join(c.name for c in campaigns_of(account)) or "—"

    @admin.display(description="Usage against caps")
    def usage(self, account: LinkedInAccount) -> str:
        return usage_table(account) if account.pk else "—"

    @admin.display(description="Password stored", boolean=True)
    def password_set(self, account: LinkedInAccount) -> bool:
        return bool(account.password_encrypted)

    @admin.action(description="Pause the selected accounts (every lane stops until resumed)")
    def pause_accounts(self, request, queryset):
        for account in queryset:
            health.pause(account, f"paused by {request.user.get_username()} in the admin")
        self.message_user(request, f"Paused {queryset.count()} account(s).", messages.SUCCESS)

    @admin.action(description="Resume every paused lane of the selected accounts")
    def resume_lanes(self, request, queryset):
        resumed = 0
        for account in queryset:
            for pause in account.paused_lanes():
                account.resume_lane(pause.lane)
                resumed += 1
        self.message_user(request, f"Resumed {resumed} lane(s).", messages.SUCCESS)

    @admin.action(description="Resume the selected accounts")
    def resume_accounts(self, request, queryset):
        for account in queryset:
            health.resume(account)
        self.message_user(request, f"Resumed {queryset.count()} account(s).", messages.SUCCESS)


# -- the audit trail and labels --------------------------------------------------------------------------


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is what caps are counted from, so nobody edits or deletes it here."""

    list_display = [
        "at",
        "account",
        "campaign",
        "kind",
        "outcome",
        "lead",
        "tokens",
        "detail",
        "captured_page",
        "task_id",
    ]
    list_filter = ["kind", "outcome", "account", "campaign"]
    list_select_related = ["account", "campaign__department", "lead"]
    search_fields = ["detail", "task_id", "lead__first_name", "lead__last_name"]
    date_hierarchy = "at"
    raw_id_fields = ["lead", "deal"]

    @admin.display(description="Capture")
    def captured_page(self, row: ActionLog) -> str:
        if not row.capture:
            return ""
        page = reverse("admin:outreach_actionlog_capture", args=[row.pk, "html"])
        shot = reverse("admin:outreach_actionlog_capture", args=[row.pk, "png"])
        return format_html('<a href="{}">page</a> · <a href="{}">screenshot</a>', page, shot)

    def get_urls(self):
        view = self.admin_site.admin_view(self.capture_view)
        return [
            path("<int:pk>/capture.<str:kind>", view, name="outreach_actionlog_capture"),
            *super().get_urls(),
        ]

    def capture_view(self, request, pk: int, kind: str):
        """The saved page (scripts already stripped; served sandboxed) or its screenshot."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        row = get_object_or_404(ActionLog, pk=pk)
        file = capture_file(row.capture, kind)
        if file is None:
            raise Http404("this capture is gone (captures are pruned by count and age)")
        if kind == "png":
            return FileResponse(file.open("rb"), content_type="image/png")
        response = HttpResponse(file.read_bytes(), content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def capture_file(stored: str, kind: str) -> Path | None:
    """The capture's file of `kind` (html / png), only if it lies under CAPTURES_DIR and exists."""
    if not stored or kind not in ("html", "png"):
        return None
    root = Path(settings.CAPTURES_DIR).resolve()
    file = Path(stored).with_suffix(f".{kind}").resolve()
    if not file.is_relative_to(root) or not file.is_file():
        return None
    return file


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    """Labels: search and bulk work (one line per row); one lead at a time is the review page's job.
    Every label a person sets here goes through `operator.decisions` like the review page's answers: it
    trains the model, releases or closes the deal, and names who decided in the audit trail."""

    class DecisionFilter(admin.SimpleListFilter):
        title = "decision"
        parameter_name = "decision"

        def lookups(self, request, model_admin):
            return [("fits", "fits"), ("no_fit", "does not fit"), ("review", "needs review")]

        def queryset(self, request, queryset):
            value = {"fits": 1, "no_fit": 0, "review": None}.get(self.value() or "", "all")
            if value == "all":
                return queryset
            return queryset.filter(label__isnull=True) if value is None else queryset.filter(label=value)

    class LlmFilter(admin.SimpleListFilter):
        title = "LLM says"
        parameter_name = "llm"

        def lookups(self, request, model_admin):
            return [("fits", "fits"), ("no_fit", "does not fit"), ("none", "no answer")]

        def queryset(self, request, queryset):
            value = {"fits": 1, "no_fit": 0, "none": None}.get(self.value() or "", "all")
            if value == "all":
                return queryset
            return (
                queryset.filter(llm_label__isnull=True) if value is None else queryset.filter(llm_label=value)
            )

    list_display = [
        "person", "campaign", "fits", "source", "llm_says", "further_line", "probability", "reason_line", "when",
    ]  # fmt: skip
    list_filter = ["campaign", DecisionFilter, "source", LlmFilter, "audit"]
    list_select_related = ["lead", "campaign__department"]
    search_fields = ["lead__first_name", "lead__last_name", "reason"]
    raw_id_fields = ["lead"]
    actions = ["mark_fits", "mark_no_fit"]
    # What the LLM answered and what the model would have done are records, not opinions to edit.
    readonly_fields = ["source", "llm_label", "further_says", "audit", "prob", "std", "entropy", "at"]
    exclude = ["further"]  # shown in words (further_says)

    class Media:
        css = {"all": ["operator/qualification_list.css"]}

    @admin.display(description="Person", ordering="lead__last_name")
    def person(self, q: Qualification) -> str:
        return f"{q.lead.first_name} {q.lead.last_name}".strip() or str(q.lead)

    @admin.display(description="Decision", ordering="label")
    def fits(self, q: Qualification) -> str:
        return {1: "fits", 0: "does not fit"}.get(q.label, "needs review")

    @admin.display(description="LLM says", ordering="llm_label")
    def llm_says(self, q: Qualification) -> str:
        return {1: "fits", 0: "does not fit"}.get(q.llm_label, "—")

    @admin.display(description="Further opinions")
    def further_says(self, q: Qualification) -> str:
        return q.further_said() or "—"

    @admin.display(description="Further")
    def further_line(self, q: Qualification) -> str:
        """Short in the list (the table fits 1280 px): "no, fits", the prompts in the tooltip."""
        if not q.further:
            return "—"
        short = ", ".join({1: "fits", 0: "no"}.get(o.get("answer"), "?") for o in q.further)
        return format_html('<span title="{}">{}</span>', q.further_said(), short)

    @admin.display(description="p(fit)", ordering="prob")
    def probability(self, q: Qualification) -> str:
        return "—" if q.prob is None else f"{q.prob:.2f}"

    @admin.display(description="At", ordering="at")
    def when(self, q: Qualification) -> str:
        return f"{q.at:%Y-%m-%d %H:%M}"

    @admin.display(description="Reason")
    def reason_line(self, q: Qualification) -> str:
        return format_html('<span class="oo-reason-line" title="{}">{}</span>', q.reason, q.reason or "—")

    def save_model(self, request, obj: Qualification, form, change) -> None:
        from openoutreach.operator import decisions

        if change and "label" in form.changed_data and obj.label in (0, 1):
            # The label through the one decision path; then the rest of the form (an edited reason).
            before = Qualification.objects.get(pk=obj.pk)
            reason = obj.reason if "reason" in form.changed_data else None
            outcome = decisions.decide(before, obj.label, request.user.get_username(), reason=reason)
            obj.source = outcome.row.source
            self.message_user(request, f"{decisions.WORDS[obj.label]}: {outcome.note}.", messages.INFO)
        elif change and {"label", "reason"} & set(form.changed_data):
            obj.source = Qualification.Source.OPERATOR  # a person decided; the models learn from it
        super().save_model(request, obj, form, change)

    def _mark(self, request, queryset, label: int) -> None:
        from openoutreach.operator import decisions

        rows = list(queryset.select_related("lead", "campaign"))
        outcomes = decisions.decide_many(rows, label, request.user.get_username())
        moved = sum(o.before.deal_move != decisions.UNTOUCHED for o in outcomes)
        self.message_user(
            request,
            f"Marked {len(outcomes)} lead(s) as {decisions.WORDS[label]} ({moved} deal(s) moved; "
            f"{len(rows) - len(outcomes)} already had that label).",
            messages.SUCCESS,
        )

    @admin.action(description="Mark fits (releases or creates their deals)")
    def mark_fits(self, request, queryset) -> None:
        self._mark(request, queryset, 1)

    @admin.action(description="Mark does not fit (closes their uncontacted deals)")
    def mark_no_fit(self, request, queryset) -> None:
        self._mark(request, queryset, 0)


@admin.register(DoNotContact)
class DoNotContactAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "reason", "added_at"]
    list_filter = ["kind"]
    search_fields = ["value", "key", "reason"]
    fields = ["kind", "value", "reason"]


@admin.register(LegalAcceptance)
class LegalAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["version", "accepted_at", "accepted_by", "via"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SearchKeyword)
class SearchKeywordAdmin(admin.ModelAdmin):
    list_display = ["keyword", "campaign", "used", "used_at", "pages_searched", "profiles_found"]
    list_filter = ["campaign", "used"]
    list_editable = ["used"]
    search_fields = ["keyword"]


admin.site.register(LinkedInProfile, list_display=["url", "lead", "enriched_at", "unavailable_reason"])
admin.site.register(
    DealState,
    list_display=[
        "deal",
        "campaign",
        "state",
        "account",
        "score",
        "p_fit",
        "p_accept",
        "claimed_until",
        "next_check_at",
    ],
)


# -- DjangoCRM's Lead and Deal, with the profile summary -------------------------------------------------


class ProfileSummaryMixin:
    """Puts a readable LinkedIn profile summary at the top of the page (DjangoCRM's fields stay below)."""

    def lead_of(self, obj):
        return obj

    @admin.display(description="LinkedIn profile")
    def profile_summary(self, obj) -> str:
        return profile_summary.render(self.lead_of(obj)) if obj is not None else ""

    @admin.display(description="Conversation")
    def conversation(self, obj) -> str:
        from openoutreach.conversations.admin import conversation_html

        return conversation_html(self.lead_of(obj)) if obj is not None else ""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "profile_summary", "conversation")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [
            ("LinkedIn profile", {"fields": ["profile_summary"]}),
            ("Conversation", {"fields": ["conversation"]}),
            *fieldsets,
        ]


class DealSummaryMixin(ProfileSummaryMixin):
    def lead_of(self, deal: Deal):
        return deal.lead


class LeadAdmin(ProfileSummaryMixin, crm_admin.LeadAdmin):
    pass


class DealAdmin(DealSummaryMixin, crm_admin.DealAdmin):
    pass


class CrmSiteLeadAdmin(ProfileSummaryMixin, CrmSiteLeadAdmin):
    pass


class CrmSiteDealAdmin(DealSummaryMixin, CrmSiteDealAdmin):
    pass


for site, lead_admin, deal_admin in (
    (admin.site, LeadAdmin, DealAdmin),
    (crm_site, CrmSiteLeadAdmin, CrmSiteDealAdmin),
):
    site.unregister(Lead)
    site.unregister(Deal)
    site.register(Lead, lead_admin)
    site.register(Deal, deal_admin)
