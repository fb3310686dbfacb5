"""Two beat processes running at once (a misconfigured deployment): no action happens twice."""

from __future__ import annotations

import json
import time
from datetime import time as clock

import pytest

from openoutreach.outreach.models import DealState
from openoutreach.pipeline import leads, transitions

pytestmark = pytest.mark.slow


def test_two_beats_and_a_lanes_worker_claim_each_deal_once(
    start_celery, start_worker, redis_client, campaign, alice, tmp_path
):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)
    alice.save()
    for i in range(5):
        transitions.promote(
            leads.discover(f"https://www.linkedin.com/in/twin-{i}/", f"twin-{i}").lead, campaign, 0.5
        )
    fast = {"LANE_TICK_SECONDS": "1"}
    start_worker(["default"], "default", env_extra=fast, pool="prefork")
    for n in (1, 2):
        start_celery(f"beat-{n}", "beat", "-s", str(tmp_path / f"schedule-{n}"), env_extra=fast)

    def connects() -> list[dict]:
        queued = [json.loads(raw)["headers"] for raw in redis_client.lrange("browser.alice", 0, -1)]
        return [h for h in queued if h["task"] == "browser.connect"]

    deadline = time.monotonic() + 60
    while not connects():
        assert time.monotonic() < deadline, "no connect tick ever ran"
        time.sleep(0.3)
    time.sleep(10)  # about twenty more connect ticks from the two beats together

    connects = connects()
    claimed = DealState.objects.filter(claimed_until__isnull=False)
    assert len(connects) == 1, "one slot, one invitation: the pace allows one per 72 minutes here"
    assert claimed.count() == 1 and claimed.get().claim_task_id == connects[0]["id"]
