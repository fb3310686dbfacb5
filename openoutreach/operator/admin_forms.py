"""Admin forms: a campaign named like its department with its member accounts, and an account whose
password and proxy are write-only (never rendered back, stored encrypted) and whose campaigns are the
department groups its user belongs to."""

from __future__ import annotations

from common.models import Department
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from openoutreach.outreach.models import Campaign, LinkedInAccount, SequenceStep
from openoutreach.pipeline.campaigns import campaigns_of, join
from workers.queues import RoutingError, browser_queue


def _leave(account: LinkedInAccount, campaign: Campaign) -> None:
    account.user.groups.remove(campaign.department)


class CampaignForm(forms.ModelForm):
    name = forms.CharField(max_length=80, help_text="Also the name of the campaign's CRM department.")
    accounts = forms.ModelMultipleChoiceField(
        LinkedInAccount.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The LinkedIn accounts that work for this campaign (through its department).",
    )

    class Meta:
        model = Campaign
        fields = [
            "product_docs", "campaign_objective", "booking_link", "active", "is_partner",
            "action_fraction", "min_qualifiable_leads", "llm_daily_calls", "llm_daily_tokens",
            "exclude_opt_in_jurisdictions", "withdraw_after_days", "reinvite_after_withdrawal",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].initial = self.instance.department.name
            self.fields["accounts"].initial = LinkedInAccount.objects.filter(
                user__groups=self.instance.department
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Group.objects.filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.department_id)
        if taken.exists():
            raise forms.ValidationError(f"{name!r} is already the name of a campaign or a CRM group.")
        return name

    def save(self, commit: bool = True) -> Campaign:
        from openoutreach.pipeline.crm_setup import ensure_department

        campaign = super().save(commit=False)
        name = self.cleaned_data["name"]
        if campaign.pk:
            campaign.department.name = name
            campaign.department.save(update_fields=["name"])
        else:
            campaign.department = Department.objects.create(name=name, works_globally=True)
        ensure_department(campaign.department)
        if commit:
            campaign.save()
            self._save_m2m()
        return campaign

    def _save_m2m(self) -> None:
        super()._save_m2m()
        chosen = set(self.cleaned_data.get("accounts") or [])
        for account in LinkedInAccount.objects.select_related("user"):
            member = account.user.groups.filter(pk=self.instance.department_id).exists()
            if account in chosen and not member:
                join(account, self.instance)
            elif account not in chosen and member:
                _leave(account, self.instance)


class LinkedInAccountForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only: stored encrypted, never shown. Leave empty to keep the current password.",
    )
    proxy = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Optional, write-only (e.g. http://user:pass@host:port). Leave empty to keep the current one.",
    )
    campaigns = forms.ModelMultipleChoiceField(
        Campaign.objects.select_related("department"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The campaigns this account works for (it joins their departments).",
    )

    accept_legal_notice = forms.BooleanField(
        required=False,
        label="I accept the legal notice",
        help_text="Required once before any account is active: LinkedIn may restrict or ban automated "
        "accounts, and you are responsible for complying with the law where you and the people you "
        "contact are (see the notice in the README or `manage.py onboard`).",
    )

    class Meta:
        model = LinkedInAccount
        fields = [
            "handle", "username", "active",
            "connect_daily_limit", "connect_weekly_limit", "followup_daily_limit", "enrich_daily_limit",
            "withdraw_daily_limit",
            "working_hours_start", "working_hours_end", "time_zone",
            "warmup_started_on", "warmup_days", "warmup_start_fraction",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["campaigns"].initial = list(campaigns_of(self.instance))
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = "Write-only: stored encrypted, never shown."

    def clean(self):
        cleaned = super().clean()
        from openoutreach.operator import legal

        becomes_active = cleaned.get("active") and (not self.instance.pk or "active" in self.changed_data)
        if becomes_active and not legal.accepted() and not cleaned.get("accept_legal_notice"):
            self.add_error(
                "accept_legal_notice",
                "An account becomes active only after the legal notice is accepted: tick the box, or save "
                "the account inactive.",
            )
        return cleaned

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"]
        try:
            browser_queue(handle)
        except RoutingError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not self.instance.pk and get_user_model().objects.filter(username=handle).exists():
            raise forms.ValidationError(f"{handle!r} is already a CRM user name; choose another handle.")
        return handle

    def save(self, commit: bool = True) -> LinkedInAccount:
        if self.cleaned_data.get("accept_legal_notice"):
            from openoutreach.operator import legal

            legal.accept("admin")
        account = super().save(commit=False)
        if not account.user_id:
            account.user = get_user_model().objects.create_user(username=account.handle, password=None)
        if self.cleaned_data.get("password"):
            account.set_password(self.cleaned_data["password"])
        if self.cleaned_data.get("proxy"):
            account.set_proxy(self.cleaned_data["proxy"])
        if commit:
            account.save()
            self._save_m2m()
        return account

    def _save_m2m(self) -> None:
        super()._save_m2m()
        chosen = set(self.cleaned_data.get("campaigns") or [])
        current = set(campaigns_of(self.instance))
        for campaign in chosen - current:
            join(self.instance, campaign)
        for campaign in current - chosen:
            _leave(self.instance, campaign)


class SequenceStepForm(forms.ModelForm):
    """A sequence step; its template must render (a misspelt variable is refused here, not at send time)."""

    class Meta:
        model = SequenceStep
        fields = ["position", "delay_days", "kind", "template", "prompt"]

    def clean_template(self) -> str:
        from openoutreach.pipeline.followup import template_problem

        template = self.cleaned_data["template"]
        if problem := template_problem(template):
            raise forms.ValidationError(f"This template does not render: {problem}")
        return template
