"""Lane dispatchers, consumed from the `default` queue and emitted by beat (see beat_schedule.py).

Each task is thin: it calls a plain function in `openoutreach/` that decides what is due, claims it in
the database with a conditional UPDATE and enqueues the work on the right queue.
"""

from __future__ import annotations

from celery import shared_task

from openoutreach.pipeline import claims


@shared_task(name="lanes.housekeeping")
def housekeeping() -> dict:
    """Release claims whose holder never finished (a crashed worker, an expired task)."""
    return claims.release_expired()
