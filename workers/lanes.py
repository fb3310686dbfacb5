"""Lane dispatchers, consumed from the `default` queue and emitted by beat (see beat_schedule.py).

Each task is thin: it calls the plain `dispatch()` of its lane in `openoutreach/lanes/`, which decides
what is due, claims it in the database with a conditional UPDATE and enqueues the work on the right
queue. The return value (what was sent) is what Flower shows for the tick.
"""

from __future__ import annotations

from celery import shared_task

from openoutreach.lanes import check_pending, connect, enrich, follow_up, qualify, search
from openoutreach.pipeline import claims


@shared_task(name="lanes.connect")
def connect_lane() -> list[dict]:
    """Claim the best New deal per account whose connect slot is due; send browser.connect."""
    return connect.dispatch()


@shared_task(name="lanes.check_pending")
def check_pending_lane() -> list[dict]:
    """Send browser.check_pending for each account's due Pending deals (bounded batch)."""
    return check_pending.dispatch()


@shared_task(name="lanes.follow_up")
def follow_up_lane() -> list[dict]:
    """Send the follow-up of one Connected deal per account whose slot is due."""
    return follow_up.dispatch()


@shared_task(name="lanes.enrich")
def enrich_lane() -> list[dict]:
    """Send browser.enrich for a small batch of discovered leads per account slot."""
    return enrich.dispatch()


@shared_task(name="lanes.search")
def search_lane() -> list[dict]:
    """Search (or ask for keywords) for campaigns whose pipeline of leads to qualify is low."""
    return search.dispatch()


@shared_task(name="lanes.qualify")
def qualify_lane() -> list[dict]:
    """Hand enriched, unlabelled leads to the ML worker, per campaign."""
    return qualify.dispatch()


@shared_task(name="lanes.housekeeping")
def housekeeping() -> dict:
    """Release claims whose holder never finished (a crashed worker, an expired task)."""
    return claims.release_expired()
