"""The Celery app: `celery -A openoutreach worker|beat|inspect ...`.

Configuration comes from Django settings (the CELERY_* names, see settings.py for why each is set);
routing from workers.queues; the periodic lanes from beat_schedule.py at the project root.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openoutreach.settings")

app = Celery("openoutreach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = ("workers.queues.route_task",)
app.conf.include = [
    "workers.lanes",
    "workers.browser",
    "workers.ml",
    "workers.housekeeping",
    "workers.webhooks",
]


@app.on_after_configure.connect
def _django_for_cli(sender: Celery, **kwargs) -> None:
    """`celery -A openoutreach call|result ...` loads the django-db result backend, whose models need
    Django set up; worker and beat processes set it up themselves, the CLI commands do not."""
    from django.apps import apps

    if not apps.ready and not apps.loading:
        import django

        django.setup()


@app.on_after_configure.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    import beat_schedule

    sender.conf.beat_schedule = beat_schedule.build()
