"""Housekeeping on `default` (see workers/queues.py): retention of what ages out (openoutreach/retention.py),
emitted hourly by beat (beat_schedule.py)."""

from __future__ import annotations

from celery import shared_task

from openoutreach.retention import apply_retention


@shared_task(name="housekeeping.apply_retention")
def retention() -> dict:
    """Delete the rows and files older than their RETENTION_* setting; the audit trail is kept."""
    return apply_retention().as_dict()
