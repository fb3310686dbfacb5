"""Admin for webhooks: endpoints (events as checkboxes, campaign filter, write-only secret shown once,
disabled state with its reason, "Send test ping" and "Re-enable"), the read-only delivery log (every
attempt of every delivery, "Retry now") and the outbox of events."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from openoutreach.outreach.models import Campaign

from . import delivery, outbox, signing
from .events import SUBSCRIBABLE, EventType
from .models import Delivery, DeliveryAttempt, Endpoint, OutboxEvent


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(e.value, f"{e.value} ({e.label})") for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        help_text="What is sent to this endpoint (docs/webhooks.md describes each payload).",
    )
    campaigns = forms.ModelMultipleChoiceField(
        Campaign.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only events of these campaigns (none ticked = every campaign). Account events have no "
        "campaign and always go out.",
    )
    secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave empty to generate one (shown once, after saving) or to keep the current "
        "one; or paste a Standard Webhooks secret (whsec_ + base64 of 24 to 64 bytes).",
    )
    new_secret = forms.BooleanField(
        required=False, label="Generate a new secret", help_text="Replaces the current secret (shown once)."
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "campaigns", "active"]

    generated_secret: str | None = None

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise forms.ValidationError("Only http:// and https:// URLs can receive webhooks.")
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if secret:
            try:
                signing.key_of(secret)
            except signing.InvalidSecret as exc:
                raise forms.ValidationError(str(exc)) from None
        return secret

    def save(self, commit: bool = True) -> Endpoint:
        endpoint = super().save(commit=False)
        endpoint.events = [e for e in self.cleaned_data["events"] if e in EventType.values]
        pasted = self.cleaned_data.get("secret")
        if pasted:
            endpoint.set_secret(pasted)
        elif not endpoint.secret_encrypted or self.cleaned_data.get("new_secret"):
            self.generated_secret = signing.generate_secret()
            endpoint.set_secret(self.generated_secret)
        if commit:
            endpoint.save()
            self.save_m2m()
        return endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "host", "subscribed", "state", "consecutive_failures", "last_delivery"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["send_test_ping", "reenable"]
    readonly_fields = ["state", "consecutive_failures", "failing_since", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "url", "active", "state"]}),
        ("What is sent", {"fields": ["events", "campaigns"]}),
        ("Signing secret", {"fields": ["secret", "new_secret"]}),
        ("Health", {"fields": ["consecutive_failures", "failing_since", "created_at"]}),
    ]

    @admin.display(description="Host")
    def host(self, obj: Endpoint) -> str:
        return urlsplit(obj.url).netloc  # the full URL can carry the receiver's own token

    @admin.display(description="Events")
    def subscribed(self, obj: Endpoint) -> str:
        return ", ".join(obj.events) or "none"

    @admin.display(description="State")
    def state(self, obj: Endpoint) -> str:
        if obj.pk is None:
            return "-"
        if obj.disabled_at is not None:
            return format_html(
                '<strong style="color:#b00">Disabled since {} UTC</strong>: {}',
                obj.disabled_at.strftime("%Y-%m-%d %H:%M"),
                obj.disabled_reason,
            )
        if not obj.active:
            return "Off (turned off by the operator)"
        if obj.consecutive_failures:
            return f"Sending ({obj.consecutive_failures} failed attempts in a row)"
        return "Sending"

    @admin.display(description="Last delivery")
    def last_delivery(self, obj: Endpoint) -> str:
        last = obj.deliveries.order_by("-id").first()
        if last is None:
            return "-"
        url = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">{} ({})</a>', url, last.get_status_display(), last.event.type)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        request._webhook_secret_once = form.generated_secret

    def _secret_page(self, request, obj):
        secret = getattr(request, "_webhook_secret_once", None)
        if not secret:
            return None
        response = TemplateResponse(
            request,
            "admin/webhooks/secret_once.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Signing secret of {obj}",
                "endpoint": obj,
                "secret": secret,
                "opts": self.model._meta,
                "list_url": reverse("admin:webhooks_endpoint_changelist"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self._secret_page(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._secret_page(request, obj) or super().response_change(request, obj)

    @admin.action(description="Send test ping")
    def send_test_ping(self, request, queryset) -> None:
        for endpoint in queryset:
            event = outbox.send_test_ping(endpoint)
            self.message_user(
                request, f"Test ping {event.event_id} queued to {endpoint}: see its delivery in Deliveries."
            )

    @admin.action(description="Re-enable (and retry what failed while it was disabled)")
    def reenable(self, request, queryset) -> None:
        for endpoint in queryset:
            retried = delivery.reenable(endpoint)
            self.message_user(
                request, f"{endpoint} re-enabled; {retried} deliveries due again.", messages.SUCCESS
            )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "at", "status_code", "error", "duration_ms", "response_excerpt"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; each delivery lists its attempts."""

    list_display = [
        "event_type", "event_id", "endpoint", "status", "attempts", "last_status_code", "last_error",
        "next_attempt_at", "delivered_at",
    ]  # fmt: skip
    list_filter = ["status", "endpoint", "event__type"]
    search_fields = ["event__event_id"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [
        "event_link", "endpoint", "status", "attempts", "next_attempt_at", "claimed_until", "last_status_code",
        "last_error", "delivered_at", "created_at", "payload",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)  # the list's action; rows read-only

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    @admin.display(description="Event id (webhook-id)")
    def event_id(self, obj: Delivery) -> str:
        return obj.event.event_id

    @admin.display(description="Event")
    def event_link(self, obj: Delivery) -> str:
        url = reverse("admin:webhooks_outboxevent_change", args=[obj.event_id])
        return format_html('<a href="{}">{}</a>', url, obj.event)

    @admin.display(description="Payload")
    def payload(self, obj: Delivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.event.envelope(), indent=2, ensure_ascii=False))

    @admin.action(description="Retry now (one more attempt each)")
    def retry_now(self, request, queryset) -> None:
        count = delivery.retry_now(queryset)
        outbox.schedule(list(queryset.filter(status="failed").values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries due now.")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "delivered_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "campaign", "created_at"]
    list_filter = ["type", "campaign"]
    search_fields = ["event_id"]
    fields = readonly_fields = ["event_id", "type", "campaign", "created_at", "payload"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Payload (schema version 1)")
    def payload(self, obj: OutboxEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.envelope(), indent=2, ensure_ascii=False))
