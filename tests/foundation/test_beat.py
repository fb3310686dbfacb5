"""Beat emits the entries of beat_schedule.py, each tick onto the default queue."""

from __future__ import annotations

import json
import time

import pytest

import beat_schedule

pytestmark = pytest.mark.slow


def test_the_schedule_has_one_expiring_tick_per_lane_an_hourly_retention_the_webhook_sweep_and_the_rescore():
    schedule = beat_schedule.build(tick_seconds=5, sweep_seconds=7, rescore_seconds=600)
    retention = schedule.pop("housekeeping:retention")
    sweep = schedule.pop("webhooks:sweep")
    assert sweep == {"task": "webhooks.sweep", "schedule": 7, "options": {"queue": "default", "expires": 7}}
    rescore = schedule.pop("ml:rescore_campaigns")
    assert rescore["task"] == "ml.rescore_campaigns" and rescore["schedule"] == 600
    assert rescore["options"] == {"queue": "ml", "expires": 600}
    assert {entry["task"] for entry in schedule.values()} == set(beat_schedule.LANES.values())
    assert all(entry["options"] == {"queue": "default", "expires": 5} for entry in schedule.values())
    assert retention["task"] == "housekeeping.apply_retention" and retention["schedule"] == 3600
    assert retention["options"] == {"queue": "default", "expires": 3600}


def test_beat_started_with_a_short_interval_emits_its_entries(start_celery, redis_client, tmp_path):
    beat = start_celery(
        "beat",
        "beat",
        "-s",
        str(tmp_path / "beat-schedule"),
        "-l",
        "INFO",
        env_extra={"LANE_TICK_SECONDS": "1", "WEBHOOK_SWEEP_SECONDS": "1"},
    )
    expected = set(beat_schedule.LANES.values()) | {"webhooks.sweep"}

    def emitted() -> list[dict]:
        return [json.loads(raw)["headers"] for raw in redis_client.lrange("default", 0, -1)]

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and {h["task"] for h in emitted()} != expected:
        assert beat.alive(), beat.log_tail()
        time.sleep(0.3)

    headers = emitted()
    assert {h["task"] for h in headers} == expected, beat.log_tail()
    assert all(h["expires"] for h in headers)
