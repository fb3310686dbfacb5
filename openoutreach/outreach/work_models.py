"""The tables of exactly-once work and of per-lane health, beside `models.py` (imported from it).

- `PersonClaim`: one row per person (a Lead is one canonical profile URL). Its unique `lead` is the lock
  that allows at most one outward action (invitation, message, any later outward lane) per person in
  flight across every campaign and account of the workspace; once an outward action reached the person
  (or may have), the row stays bound to that deal, so no other campaign ever contacts them.
  `openoutreach.pipeline.claims` is the only writer.
- `LanePause`: one lane of one account stopped for a typed reason (LinkedIn's weekly limit, a throttle,
  a page that changed, the operator), until a time or until an operator resumes it in the admin.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Lane(models.TextChoices):
    """The lanes whose work runs in an account's browser."""

    CONNECT = "connect", "connect"
    CHECK_PENDING = "check_pending", "check pending"
    FOLLOW_UP = "follow_up", "follow up"
    ENRICH = "enrich", "enrich"
    SEARCH = "search", "search"
    INBOX = "inbox", "inbox"
    WITHDRAW = "withdraw", "withdraw stale invitations"


class LanePauseReason(models.TextChoices):
    PAGE_CHANGED = "page_changed", "LinkedIn's page may have changed: see captures"
    WEEKLY_LIMIT = "weekly_limit", "LinkedIn's weekly invitation limit was reached"
    THROTTLED = "throttled", "LinkedIn throttled this account (HTTP 429/999)"
    OPERATOR = "operator", "Paused by the operator"


class LanePause(models.Model):
    """One lane of one account stopped (`until` empty = until an operator resumes it)."""

    account = models.ForeignKey(
        "outreach.LinkedInAccount", on_delete=models.CASCADE, related_name="lane_pauses"
    )
    lane = models.CharField(max_length=20, choices=Lane.choices)
    reason = models.CharField(max_length=20, choices=LanePauseReason.choices)
    detail = models.TextField(blank=True, default="")
    since = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(null=True, blank=True, help_text="Empty = until resumed in the admin.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "lane"], name="uniq_lane_pause")]

    def __str__(self) -> str:
        return f"{self.lane}: {self.get_reason_display()}"

    def active_at(self, now) -> bool:
        return self.until is None or self.until > now


class PersonClaim(models.Model):
    """The person-level lock of outward actions (see the module docstring); written by pipeline.claims."""

    lead = models.OneToOneField("crm.Lead", on_delete=models.CASCADE, related_name="person_claim")
    deal_state = models.ForeignKey("outreach.DealState", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "outreach.LinkedInAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    sending = models.BooleanField(
        default=False, help_text="Mid-send (a copy of the deal's SENDING phase): nobody else may take it."
    )
    contacted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An outward action reached the person (or may have) through this deal.",
    )

    def __str__(self) -> str:
        return f"person {self.lead_id} -> deal state {self.deal_state_id}"
