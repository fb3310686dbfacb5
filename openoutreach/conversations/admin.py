"""Conversations in the admin: threads and their messages browsable (messages read-only), a reply's
intent correctable by the operator (the correction goes through `replies.apply_intent`, so it has the
same consequences as the LLM's), and `conversation_html` for the Lead and Deal pages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from . import replies
from .models import Message, Thread


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["sent_at", "direction", "by_hand", "text", "intent", "intent_source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["participant_name", "account", "deal_state", "last_synced_at", "messages_count"]
    list_filter = ["account"]
    search_fields = ["participant_name", "participant_url", "thread_id"]
    readonly_fields = [f.name for f in Thread._meta.fields]
    inlines = [MessageInline]

    @admin.display(description="messages")
    def messages_count(self, obj: Thread) -> int:
        return obj.messages.count()

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "short_text",
        "direction",
        "by_hand",
        "intent",
        "intent_source",
        "needs_review",
        "sent_at",
    ]
    list_filter = ["direction", "intent", "intent_source", "by_hand", "account"]
    search_fields = ["text", "sender_name", "thread__participant_name"]
    fields = [
        "thread", "direction", "by_hand", "sender_name", "text", "sent_at", "seen_at", "intent", "intent_source",
        "intent_reason", "needs_review",
    ]  # fmt: skip
    readonly_fields = [f for f in fields if f not in ("intent", "intent_reason")]

    @admin.display(description="message")
    def short_text(self, obj: Message) -> str:
        return obj.text[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Message, form, change) -> None:
        """Only the intent changes here, and only through `replies.apply_intent` (its consequences)."""
        if "intent" not in form.changed_data and "intent_reason" not in form.changed_data:
            return
        if not obj.intent or obj.direction != Message.Direction.FROM_PERSON:
            messages.warning(request, "Only a reply from the person has an intent; nothing was changed.")
            return
        current = Message.objects.get(pk=obj.pk)  # apply_intent compares with the stored intent
        replies.apply_intent(
            current, obj.intent, Message.IntentSource.OPERATOR, obj.intent_reason or "corrected by the operator",
            by=request.user.get_username(),
        )  # fmt: skip


def conversation_html(lead) -> str:
    """The person's conversations with our accounts, oldest message first, for the Lead and Deal pages."""
    if lead is None:
        return ""
    rows = (
        Message.objects.filter(thread__lead=lead).select_related("thread__account").order_by("sent_at", "id")
    )
    return SafeString(render_to_string("conversations/conversation.html", {"messages": rows}))
