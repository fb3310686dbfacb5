"""LinkedIn conversations as the inbox lane reads them: one Thread per (account, LinkedIn thread id), one
Message per (account, thread, LinkedIn message id). The unique keys make a re-read of a thread add
nothing; `openoutreach.conversations.ingest` is the only writer of new rows.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Intent(models.TextChoices):
    """What a reply means for the campaign (classified by the LLM, correctable by the operator)."""

    INTERESTED = "interested", "interested"
    NOT_NOW = "not_now", "not now"
    NOT_INTERESTED = "not_interested", "not interested"
    REFERRAL = "referral", "referral"
    OUT_OF_OFFICE = "out_of_office", "out of office"
    UNSUBSCRIBE = "unsubscribe", "unsubscribe"


# Intents whose person goes on the do-not-contact list.
DO_NOT_CONTACT_INTENTS = frozenset({Intent.UNSUBSCRIBE, Intent.NOT_INTERESTED})


class Thread(models.Model):
    """One conversation of one account with one person (LinkedIn's thread id is per account)."""

    account = models.ForeignKey("outreach.LinkedInAccount", on_delete=models.CASCADE, related_name="threads")
    thread_id = models.CharField(max_length=200, help_text="LinkedIn's id of the conversation.")
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="threads",
        help_text="The person, found by the profile link the thread shows.",
    )  # fmt: skip
    deal_state = models.ForeignKey(
        "outreach.DealState", null=True, blank=True, on_delete=models.SET_NULL, related_name="threads",
        help_text="The deal of this account's campaign with that person.",
    )  # fmt: skip
    participant_url = models.CharField(max_length=300, blank=True, default="")
    participant_name = models.CharField(max_length=200, blank=True, default="")
    last_snippet = models.TextField(
        blank=True,
        default="",
        help_text="The list's preview of the last message when last read (incremental sync).",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "thread_id"], name="uniq_thread_per_account")
        ]
        indexes = [models.Index(fields=["lead"])]

    def __str__(self) -> str:
        return f"{self.participant_name or self.thread_id} ({self.account_id})"


class Message(models.Model):
    """One message of a thread, stored once. `direction` says who wrote it: the person, or us (the
    product or the operator typing by hand on LinkedIn: both are ours and count as sent)."""

    class Direction(models.TextChoices):
        FROM_PERSON = "in", "from the person"
        FROM_US = "out", "from us"

    class IntentSource(models.TextChoices):
        LLM = "llm", "LLM"
        OPERATOR = "operator", "operator"

    account = models.ForeignKey("outreach.LinkedInAccount", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(
        max_length=300, help_text="LinkedIn's id of the message (or its stable key)."
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    by_hand = models.BooleanField(
        default=False, help_text="Ours, but not sent by the product: the operator typed it on LinkedIn."
    )
    sender_name = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField()
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When LinkedIn says it was sent, if it says."
    )
    seen_at = models.DateTimeField(default=timezone.now, help_text="When the inbox lane first read it.")
    intent = models.CharField(max_length=20, choices=Intent.choices, blank=True, default="")
    intent_source = models.CharField(max_length=10, choices=IntentSource.choices, blank=True, default="")
    intent_reason = models.TextField(blank=True, default="")
    needs_review = models.TextField(
        blank=True, default="", help_text="Why the intent could not be classified (the operator sets it)."
    )
    # The deal's stage before this reply moved it to Replied (an out-of-office reply moves it back).
    stage_before = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        # not plain "Messages": DjangoCRM has a mailing-list part by that name (hidden from the menus)
        verbose_name = "conversation message"
        verbose_name_plural = "conversation messages"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "thread", "message_id"], name="uniq_message_per_thread"
            )
        ]
        ordering = ["thread", "sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:60]}"
