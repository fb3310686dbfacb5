"""Retention: the hourly housekeeping task deletes what aged out (ML summary rows, task results, saved
pages, old log files) and keeps the audit trail of browser actions whatever its age."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from openoutreach.outreach.models import ActionLog

pytestmark = pytest.mark.slow

KEPT_KINDS = ["login", "enrich", "search", "connect", "check_pending", "follow_up"]


def _aged(path, days: float) -> None:
    stamp = (timezone.now() - dt.timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))


def test_housekeeping_ages_out_summaries_results_captures_and_logs_but_keeps_the_audit_trail(
    start_worker, campaign, tmp_path
):
    from openoutreach.celery import app

    now = timezone.now()
    old, recent = now - dt.timedelta(days=400), now - dt.timedelta(days=settings.RETENTION_SUMMARY_DAYS - 1)
    for kind in [*KEPT_KINDS, "qualify", "llm"]:
        for at in (old, recent):
            ActionLog.objects.create(campaign=campaign, kind=kind, outcome="ok", at=at)
    TaskResult.objects.create(task_id="old", status="SUCCESS")
    TaskResult.objects.create(task_id="new", status="SUCCESS")
    TaskResult.objects.filter(task_id="old").update(date_done=now - dt.timedelta(days=30))
    captures = settings.CAPTURES_DIR / "connect"
    captures.mkdir(parents=True, exist_ok=True)
    (captures / "old.html").write_text("<html>")
    (captures / "new.html").write_text("<html>")
    _aged(captures / "old.html", settings.RETENTION_CAPTURES_DAYS + 1)
    logs = settings.DATA_DIR / "demo" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "sandbox.log").write_text("old")
    (logs / "beat.log").write_text("new")
    (logs / "keep.txt").write_text("not a log")
    _aged(logs / "sandbox.log", settings.RETENTION_LOG_DAYS + 1)
    _aged(logs / "keep.txt", 400)

    start_worker(["default"], "default")
    report = app.send_task("housekeeping.apply_retention").get(timeout=60)

    assert report == {"summary_rows": 2, "task_results": 1, "captures": 1, "logs": 1, "webhook_events": 0}
    remaining = sorted(ActionLog.objects.values_list("kind", "at"))
    assert sorted(k for k, at in remaining if at == old) == sorted(KEPT_KINDS)  # the audit trail stays
    assert len([k for k, at in remaining if at == recent]) == len(KEPT_KINDS) + 2
    assert set(TaskResult.objects.values_list("task_id", flat=True)) >= {"new"}
    assert not TaskResult.objects.filter(task_id="old").exists()
    assert sorted(p.name for p in captures.iterdir()) == ["new.html"]
    assert sorted(p.name for p in logs.iterdir()) == ["beat.log", "keep.txt"]
