"""One account's day, minute by minute on frozen time: the connect lane never exceeds a cap, acts only
inside working hours, paces with jitter; a flushed Redis or a restart loses nothing."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from openoutreach.lanes import connect
from openoutreach.outreach.models import ActionLog, DealState
from openoutreach.pipeline import claims, leads, stages, transitions
from openoutreach.safety import caps

BERLIN = ZoneInfo("Europe/Berlin")


def _deals(campaign, n: int) -> list[DealState]:
    return [
        transitions.promote(
            leads.discover(f"https://www.linkedin.com/in/p-{i}/", f"p-{i}").lead, campaign, random.random()
        )
        for i in range(n)
    ]


def _worker_does(sent: list[dict], account) -> None:
    """What the browser worker would do with each claimed deal: take the task off its queue, send the
    invitation, record it."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).delete(f"browser.{account.handle}")
    for s in sent:
        transitions.mark_pending(DealState.objects.get(pk=s["deal_state"]), account, 24)


def _run_day(account, day: datetime, rng: random.Random, minutes=range(0, 24 * 60)) -> list[datetime]:
    acted = []
    for minute in minutes:
        now = day + timedelta(minutes=minute)
        with time_machine.travel(now, tick=False):
            sent = connect.dispatch(now, rng)
            _worker_does(sent, account)
        acted += [now] * len(sent)
    return acted


def test_a_day_of_connects_stays_under_the_cap_inside_hours_and_jittered(
    campaign, alice, redis_client, settings
):
    settings.MIN_ACTION_INTERVAL_SECONDS = 120
    alice.time_zone, alice.connect_daily_limit, alice.connect_weekly_limit = "Europe/Berlin", 12, 100
    alice.working_hours_start, alice.working_hours_end = time(9), time(17)
    alice.save()
    _deals(campaign, 40)
    day = datetime(2026, 6, 3, tzinfo=BERLIN).astimezone(UTC)

    acted = _run_day(alice, day, random.Random(11))

    assert 10 <= len(acted) <= 12  # the pace spreads the cap over the window; never more than the cap
    local = [t.astimezone(BERLIN).time() for t in acted]
    assert all(time(9) <= t < time(17) for t in local)
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(acted, acted[1:], strict=False)]
    assert all(gap >= 8 * 60 / 12 * 0.8 - 1 for gap in gaps)  # 40 min pace, -20% jitter, 1-min ticks
    assert statistics.pstdev(gaps) > 1.0  # jittered, not a fixed period
    assert ActionLog.objects.filter(kind="connect", outcome="ok").count() == len(acted)


def test_after_a_restart_midday_the_cap_carries_on_from_the_action_log(campaign, alice, redis_client):
    alice.connect_daily_limit, alice.working_hours_start, alice.working_hours_end = 6, time(9), time(17)
    alice.save()
    _deals(campaign, 20)
    day = datetime(2026, 6, 3, tzinfo=UTC)
    morning = _run_day(alice, day, random.Random(1), range(9 * 60, 13 * 60))
    # "Restart": nothing of the run survives but the database (fresh RNG, a re-read account).
    alice.refresh_from_db()
    afternoon = _run_day(alice, day, random.Random(99), range(13 * 60, 24 * 60))
    assert len(morning) + len(afternoon) <= 6
    with time_machine.travel(day + timedelta(hours=16), tick=False):
        assert caps.usage(alice, "connect").remaining == 6 - len(morning) - len(afternoon)


def test_a_flushed_redis_loses_the_queued_task_but_not_the_work(campaign, alice, redis_client):
    alice.working_hours_start, alice.working_hours_end = time(0), time(23, 59)
    alice.save()
    [ds] = _deals(campaign, 1)
    noon = datetime(2026, 6, 3, 12, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        assert len(connect.dispatch(noon, random.Random(0))) == 1
    redis_client.flushall()  # the queued browser.connect is gone; the claim lives in the database
    assert redis_client.llen("browser.alice") == 0

    later = noon + timedelta(hours=2)  # past the claim and the next connect slot
    with time_machine.travel(later, tick=False):
        assert claims.release_expired(later)["deals"] == 1  # housekeeping frees the expired claim
        [again] = connect.dispatch(later, random.Random(0))
    assert again["deal_state"] == ds.pk and redis_client.llen("browser.alice") == 1
    ds.refresh_from_db()
    assert ds.state == stages.NEW and ds.claim_task_id == again["task"]
