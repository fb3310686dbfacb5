"""The webhook events and their payloads (schema version 1: schema/v1.json, docs/webhooks.md).

Every payload is an envelope `{"type", "version", "id", "timestamp", "data"}`; `data` carries only what an
operator's CRM needs to file the event: the person's name and profile URL, the campaign, the account's
handle, the deal's stage and closing reason, a reply's intent. Never message texts, credentials, cookies,
secrets or free-text error details. The builders below are the one place a payload's `data` is made.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import models

from openoutreach.redaction import redact

log = logging.getLogger(__name__)

VERSION = "1"


class EventType(models.TextChoices):
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_WITHDRAWN = "invitation.withdrawn", "Invitation withdrawn"
    MESSAGE_SENT = "message.sent", "Message sent"
    REPLY_RECEIVED = "reply.received", "Reply received"
    DEAL_COMPLETED = "deal.completed", "Deal completed"
    DEAL_FAILED = "deal.failed", "Deal failed"
    ACCOUNT_PAUSED = "account.paused", "Account paused"
    TEST = "webhook.test", "Test ping"


# What an endpoint can subscribe to (the test ping goes to the endpoint it is sent from, whatever it chose).
SUBSCRIBABLE = [choice for choice in EventType if choice != EventType.TEST]

# Reply intents as the payload spells them (issue 13, point 2); anything else is sent as null.
INTENTS = ("interested", "not_now", "not_interested", "referral", "out_of_office", "unsubscribe")


def iso(moment: datetime | None) -> str | None:
    """UTC, ISO 8601 with a `Z` (what JSON Schema's date-time format and most receivers parse)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _profile_url(lead) -> str:
    from openoutreach.outreach.models import LinkedInProfile

    url = LinkedInProfile.objects.filter(lead_id=lead.pk).values_list("url", flat=True).first()
    return url or lead.website or ""


def account_data(account) -> dict | None:
    return None if account is None else {"handle": account.handle}


def deal_data(ds, *, account=None, stage: str | None = None, closing_reason: str | None = None) -> dict:
    """The person, their deal, campaign and account: the common part of every deal event."""
    lead = ds.lead
    first, last = (lead.first_name or "").strip(), (lead.last_name or "").strip()
    return {
        "deal": {"id": ds.deal_id, "stage": stage or ds.state, "closing_reason": closing_reason},
        "person": {
            "name": f"{first} {last}".strip(),
            "first_name": first,
            "last_name": last,
            "profile_url": _profile_url(lead),
        },
        "campaign": {"id": ds.campaign_id, "name": ds.campaign.name},
        "account": account_data(account if account is not None else ds.account),
    }


def message_sent(ds, *, account=None, stage: str | None = None, step: int | None = None) -> dict:
    """A message reached the person (`step`: which step of the campaign's sequence, 1 = the first)."""
    return deal_data(ds, account=account, stage=stage) | {"step": step}


def reply_received(ds, *, intent: str | None, received_at: datetime, account=None) -> dict:
    """The person answered; `intent` is the classified intent (null while unknown or unclassified)."""
    spelled = None if intent is None else str(intent).strip().lower().replace(" ", "_").replace("-", "_")
    if spelled is not None and spelled not in INTENTS:
        log.warning("reply intent %r is not one of the payload's intents: sent as null", intent)
        spelled = None
    return deal_data(ds, account=account) | {"intent": spelled, "received_at": iso(received_at)}


def account_paused(account, *, reason: str, until: datetime | None, lane: str | None = None) -> dict:
    """The whole account (lane None) or one lane of it stopped acting; `until` None = until resumed."""
    return {
        "account": account_data(account),
        "lane": lane,
        "reason": redact(reason)[:300],  # an error's text may quote a URL or a header: masked as in logs
        "until": iso(until),
    }


def test_ping(endpoint) -> dict:
    return {"endpoint": {"id": endpoint.pk, "name": endpoint.name}, "message": "Test ping from OpenOutreach"}
