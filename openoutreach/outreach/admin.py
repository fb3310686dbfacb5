"""Django Admin for OpenOutreach's own tables. The operator-facing polish (usage against caps, pause
and resume actions, the dashboard) builds on these registrations."""

from __future__ import annotations

from common.models import Department
from django import forms
from django.contrib import admin

from .models import (
    ActionLog,
    Campaign,
    DealState,
    LinkedInAccount,
    LinkedInProfile,
    Qualification,
    SearchKeyword,
)


class CampaignForm(forms.ModelForm):
    name = forms.CharField(max_length=80, help_text="Also the name of the campaign's CRM department.")

    class Meta:
        model = Campaign
        fields = [
            "product_docs", "campaign_objective", "followup_template", "booking_link", "active", "is_partner",
            "action_fraction", "min_qualifiable_leads", "llm_daily_calls", "llm_daily_tokens",
            "exclude_opt_in_jurisdictions",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].initial = self.instance.department.name

    def save(self, commit: bool = True) -> Campaign:
        from openoutreach.pipeline.crm_setup import ensure_department

        campaign = super().save(commit=False)
        name = self.cleaned_data["name"]
        if campaign.pk:
            campaign.department.name = name
            campaign.department.save(update_fields=["name"])
        else:
            campaign.department = Department.objects.create(name=name, works_globally=True)
        if commit:
            campaign.save()
        ensure_department(campaign.department)
        return campaign


class SearchKeywordInline(admin.TabularInline):
    model = SearchKeyword
    extra = 1
    fields = ["keyword", "used", "used_at", "pages_searched", "profiles_found"]
    readonly_fields = ["used_at", "pages_searched", "profiles_found"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ["__str__", "active", "is_partner", "action_fraction", "created_at"]
    list_filter = ["active", "is_partner"]
    inlines = [SearchKeywordInline]


class LinkedInAccountForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only: stored encrypted; leave empty to keep the current password.",
    )

    class Meta:
        model = LinkedInAccount
        fields = [
            "user", "handle", "username", "password", "active",
            "connect_daily_limit", "connect_weekly_limit", "followup_daily_limit", "enrich_daily_limit",
            "working_hours_start", "working_hours_end", "time_zone",
            "warmup_started_on", "warmup_days", "warmup_start_fraction",
            "status", "paused_reason", "paused_at", "paused_until", "connect_paused_until",
        ]  # fmt: skip

    def save(self, commit: bool = True) -> LinkedInAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("password"):
            account.set_password(self.cleaned_data["password"])
        if commit:
            account.save()
        return account


@admin.register(LinkedInAccount)
class LinkedInAccountAdmin(admin.ModelAdmin):
    form = LinkedInAccountForm
    list_display = [
        "handle",
        "username",
        "active",
        "status",
        "paused_reason",
        "connect_daily_limit",
        "connect_weekly_limit",
    ]
    list_filter = ["active", "status"]
    search_fields = ["handle", "username"]


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    list_display = ["at", "account", "campaign", "kind", "outcome", "lead", "detail"]
    list_filter = ["kind", "outcome", "account", "campaign"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["lead", "campaign", "label", "source", "prob", "reason", "at"]
    list_filter = ["campaign", "label", "source"]


admin.site.register(SearchKeyword)
admin.site.register(LinkedInProfile, list_display=["url", "lead", "enriched_at", "unavailable_reason"])
admin.site.register(DealState, list_display=["deal", "campaign", "score", "claimed_until", "next_check_at"])
