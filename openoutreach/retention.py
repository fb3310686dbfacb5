"""Retention: what ages out of the database and the data dir (settings RETENTION_*), applied hourly by
the housekeeping task (workers/housekeeping.py).

Deleted when older than its setting: the ML worker's ActionLog rows (kind `qualify` run summaries and
`llm` calls), Celery task results, saved pages under CAPTURES_DIR, `*.log` files under DATA_DIR, and
webhook events whose deliveries are all finished (delivered or abandoned), with their delivery log.
Never deleted: the ActionLog rows of browser actions (login, enrich, search, connect, check_pending,
follow_up) - the audit trail of what was done on LinkedIn, and what the caps are counted from.
Rows go in chunks, each its own short transaction, so workers writing beside it never wait long.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openoutreach.outreach.models import ActionLog
from openoutreach.webhooks.delivery import RETRYABLE
from openoutreach.webhooks.models import OutboxEvent

SUMMARY_KINDS = (ActionLog.Kind.QUALIFY, ActionLog.Kind.LLM)
CHUNK = 2000


@dataclass
class RetentionReport:
    summary_rows: int = 0
    task_results: int = 0
    captures: int = 0
    logs: int = 0
    webhook_events: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _delete_in_chunks(queryset) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:CHUNK])
            if not ids:
                return deleted
            _, per_model = queryset.model.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(queryset.model._meta.label, 0)  # the rows asked for, not their cascade


def _old_files(folder: Path, pattern: str, before: dt.datetime) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    cutoff = before.timestamp()
    for path in folder.rglob(pattern):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def apply_retention(now: dt.datetime | None = None) -> RetentionReport:
    """Delete what is older than its retention setting; returns how much of each went."""
    from django_celery_results.models import GroupResult, TaskResult

    now = now or timezone.now()
    days = dt.timedelta(days=1)
    report = RetentionReport()
    report.summary_rows = _delete_in_chunks(
        ActionLog.objects.filter(kind__in=SUMMARY_KINDS, at__lt=now - settings.RETENTION_SUMMARY_DAYS * days)
    )
    results_before = now - settings.RETENTION_TASK_RESULTS_DAYS * days
    report.task_results = _delete_in_chunks(TaskResult.objects.filter(date_done__lt=results_before))
    _delete_in_chunks(GroupResult.objects.filter(date_done__lt=results_before))
    report.captures = _old_files(
        Path(settings.CAPTURES_DIR), "*", now - settings.RETENTION_CAPTURES_DAYS * days
    )
    report.logs = _old_files(Path(settings.DATA_DIR), "*.log", now - settings.RETENTION_LOG_DAYS * days)
    report.webhook_events = _delete_in_chunks(  # an event still being delivered stays, whatever its age
        OutboxEvent.objects.filter(created_at__lt=now - settings.RETENTION_WEBHOOK_DAYS * days).exclude(
            deliveries__status__in=RETRYABLE
        )
    )
    return report
