"""Webhook endpoints, the outbox of events, and one Delivery per event and endpoint with its attempts.

An OutboxEvent is written in the same transaction as the state change it reports (`outbox.emit`), with a
Delivery row for each endpoint that wants it; the delivery task and beat's sweep send the due deliveries
(`delivery.py`). The secret is stored encrypted (openoutreach/outreach/crypto.py) and shown once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from openoutreach import redaction
from openoutreach.outreach import crypto

from . import signing
from .events import VERSION, EventType, iso


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    """A receiver's URL, the events it wants (optionally of some campaigns only), and its signing secret."""

    name = models.CharField(max_length=100, help_text="What this endpoint is, e.g. 'HubSpot sync'.")
    url = models.URLField(max_length=500, help_text="Where events are POSTed (http or https).")
    events = models.JSONField(default=list, help_text="Event types sent to this endpoint.")
    campaigns = models.ManyToManyField(
        "outreach.Campaign",
        blank=True,
        related_name="webhook_endpoints",
        help_text="Only events of these campaigns (none = every campaign). Account events and the test "
        "ping have no campaign and always go out.",
    )
    secret_encrypted = models.TextField(editable=False)
    active = models.BooleanField(
        default=True, help_text="Off: nothing is sent and no event is recorded for it."
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        """The plaintext secret (masked in every later log line of this process, like a password)."""
        secret = crypto.decrypt(self.secret_encrypted)
        redaction.register_secret(secret)
        return secret

    def set_secret(self, secret: str) -> None:
        signing.key_of(secret)  # a malformed secret is refused before it is stored
        self.secret_encrypted = crypto.encrypt(secret)

    @property
    def sending(self) -> bool:
        return self.active and self.disabled_at is None

    def wants(self, event_type: str, campaign_id: int | None, campaign_filter: set[int]) -> bool:
        if event_type not in self.events:
            return False
        return campaign_id is None or not campaign_filter or campaign_id in campaign_filter


class OutboxEvent(models.Model):
    """One event, written with the state change that caused it; its id is the `webhook-id` of every try."""

    event_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    campaign = models.ForeignKey(
        "outreach.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

    def envelope(self) -> dict:
        return {
            "type": self.type,
            "version": VERSION,
            "id": self.event_id,
            "timestamp": iso(self.created_at),
            "data": self.data,
        }


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (will retry)"
    ABANDONED = "abandoned", "Abandoned (attempts exhausted)"


class Delivery(models.Model):
    """One event to one endpoint: due at `next_attempt_at` while pending or failed; `claimed_until` is the
    lease of the attempt in flight (a worker that dies mid-request leaves it to lapse, then the sweep
    sends again, with the same event id)."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="uniq_delivery_per_event_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event.type} -> {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
