"""What celery beat emits, and how often: one periodic tick per lane, each a dispatcher on `default`.

A tick only decides what is due and claims it in the database; pacing, caps and working hours live in
the dispatchers, so the tick interval can be short without making any account act faster. Every tick
expires after one interval: after downtime, beat must not replay a backlog of stale ticks. Beside the
lanes: the hourly retention and the webhook sweep (due deliveries and retries, docs/webhooks.md).
"""

from __future__ import annotations

from openoutreach.lanes.registry import LANES as DECLARED
from workers.queues import DEFAULT, ML

# lane name -> dispatcher task name (workers/lanes.py), from the declared lanes.
LANES: dict[str, str] = {lane.name: lane.task for lane in DECLARED}


def build(
    tick_seconds: float | None = None,
    sweep_seconds: float | None = None,
    rescore_seconds: float | None = None,
) -> dict[str, dict]:
    """The beat schedule, built from settings (LANE_TICK_SECONDS, WEBHOOK_SWEEP_SECONDS,
    ACCEPT_RESCORE_SECONDS) unless the intervals are given."""
    from django.conf import settings

    tick_seconds = settings.LANE_TICK_SECONDS if tick_seconds is None else tick_seconds
    sweep_seconds = settings.WEBHOOK_SWEEP_SECONDS if sweep_seconds is None else sweep_seconds
    rescore_seconds = settings.ACCEPT_RESCORE_SECONDS if rescore_seconds is None else rescore_seconds
    return {
        f"lane:{lane}": {
            "task": task,
            "schedule": tick_seconds,
            "options": {"queue": DEFAULT, "expires": tick_seconds},
        }
        for lane, task in LANES.items()
    } | {  # retention (workers/housekeeping.py): hourly is plenty, each run deletes what aged out
        "housekeeping:retention": {
            "task": "housekeeping.apply_retention",
            "schedule": 3600.0,
            "options": {"queue": DEFAULT, "expires": 3600.0},
        },
        # webhooks (workers/webhooks.py): retries when due, and deliveries whose immediate task was lost
        "webhooks:sweep": {
            "task": "webhooks.sweep",
            "schedule": sweep_seconds,
            "options": {"queue": DEFAULT, "expires": sweep_seconds},
        },
        # P(fit) x P(accept) of every active campaign's New deals (workers/ml.py): outcomes arrive
        # without any qualify run, and the acceptance model refits itself when enough are new.
        "ml:rescore_campaigns": {
            "task": "ml.rescore_campaigns",
            "schedule": rescore_seconds,
            "options": {"queue": ML, "expires": rescore_seconds},
        },
    }
