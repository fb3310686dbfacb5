"""When automated messages to a person stop, whatever campaign or account would send them.

A person who has answered any of our accounts gets no further automated message from any campaign or
account (their deals with `replied_at`); a person on the do-not-contact list gets none either (the
compliance check says so before every send). `next_message_at` on a deal is the earliest time its next
automated message may go (a sequence step's delay, pushed back by an out-of-office reply).
"""

from __future__ import annotations

from datetime import datetime

from openoutreach.outreach.models import DealState


def replied(lead_id: int) -> bool:
    """Has this person answered us in any campaign, through any account?"""
    return DealState.objects.filter(lead_id=lead_id, replied_at__isnull=False).exists()


def automated_messages_stopped(ds: DealState) -> str | None:
    """Why no automated message may go to this deal's person any more, or None."""
    if ds.replied_at is not None or replied(ds.lead_id):
        return "the person replied: automated messages stop in every campaign"
    return None


def message_due(ds: DealState, now: datetime) -> bool:
    """May the deal's next automated message go at `now` (its delay and any out-of-office push-back)?"""
    return ds.next_message_at is None or ds.next_message_at <= now
