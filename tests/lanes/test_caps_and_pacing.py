"""Caps, working hours, warm-up and pacing, on frozen time (the arithmetic; no broker involved)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from openoutreach.lanes.common import interval_seconds, take_slot
from openoutreach.outreach.models import ActionLog
from openoutreach.safety import caps

BERLIN = ZoneInfo("Europe/Berlin")


def _log(account, kind: str, at: datetime, outcome: str = "ok", n: int = 1) -> None:
    for _ in range(n):
        ActionLog.objects.create(account=account, kind=kind, outcome=outcome, at=at)


@pytest.fixture
def berlin(alice):
    alice.time_zone = "Europe/Berlin"
    alice.working_hours_start, alice.working_hours_end = time(9), time(17)
    alice.save()
    return alice


def test_working_hours_follow_the_accounts_time_zone(berlin):
    assert caps.in_working_hours(berlin, datetime(2026, 6, 1, 7, 30, tzinfo=UTC))  # 09:30 in Berlin (CEST)
    assert not caps.in_working_hours(berlin, datetime(2026, 6, 1, 6, 30, tzinfo=UTC))  # 08:30 local
    assert not caps.in_working_hours(berlin, datetime(2026, 6, 1, 15, 0, tzinfo=UTC))  # 17:00 local: closed
    assert caps.in_working_hours(berlin, datetime(2026, 12, 1, 8, 30, tzinfo=UTC))  # 09:30 CET in winter


def test_a_window_that_crosses_midnight(alice):
    alice.working_hours_start, alice.working_hours_end = time(22), time(2)
    assert caps.in_working_hours(alice, datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    assert caps.in_working_hours(alice, datetime(2026, 6, 2, 1, 30, tzinfo=UTC))
    assert not caps.in_working_hours(alice, datetime(2026, 6, 2, 3, 0, tzinfo=UTC))
    assert caps.window_seconds(alice) == 4 * 3600


def test_the_day_of_a_dst_change_is_counted_in_local_time(berlin):
    # 2026-03-29: Berlin springs forward; the local day lasts 23 hours.
    start, end = caps.day_bounds(berlin, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    assert (end - start) == timedelta(hours=23)
    _log(berlin, "connect", datetime(2026, 3, 28, 22, 30, tzinfo=UTC))  # 23:30 local on the 28th
    _log(berlin, "connect", datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 00:30 local on the 29th
    _log(berlin, "connect", datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # 23:30 CEST on the 29th
    _log(berlin, "connect", datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # 00:30 on the 30th
    assert caps.usage(berlin, "connect", datetime(2026, 3, 29, 12, 0, tzinfo=UTC)).today == 2


def test_an_iso_week_that_crosses_the_year(berlin):
    now = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)  # Friday 2027-01-01 is in ISO week 53 of 2026
    assert caps.iso_week(berlin, now) == (2026, 53)
    start, end = caps.week_bounds(berlin, now)
    assert start == datetime(2026, 12, 28, tzinfo=BERLIN) and end == datetime(2027, 1, 4, tzinfo=BERLIN)
    _log(berlin, "connect", datetime(2026, 12, 28, 9, 0, tzinfo=UTC), n=3)  # Monday of that week
    _log(berlin, "connect", datetime(2026, 12, 27, 9, 0, tzinfo=UTC), n=5)  # the Sunday before: other week
    assert caps.usage(berlin, "connect", now).week == 3


def test_daily_and_weekly_caps_both_bind(berlin):
    berlin.connect_daily_limit, berlin.connect_weekly_limit = 20, 25
    monday = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    _log(berlin, "connect", monday, n=20)
    assert caps.usage(berlin, "connect", monday + timedelta(hours=1)).remaining == 0  # daily
    tuesday = monday + timedelta(days=1)
    assert caps.usage(berlin, "connect", tuesday).remaining == 5  # weekly: 25 - 20
    _log(berlin, "connect", tuesday, outcome="failed", n=4)  # failures sent nothing: they do not count
    assert caps.usage(berlin, "connect", tuesday).remaining == 5


def test_the_warm_up_ramp_rises_from_the_start_fraction_to_the_full_cap(berlin):
    berlin.connect_daily_limit = 20
    berlin.warmup_started_on, berlin.warmup_days, berlin.warmup_start_fraction = date(2026, 6, 1), 14, 0.2
    day = lambda n: datetime(2026, 6, 1 + n, 10, 0, tzinfo=UTC)  # noqa: E731
    caps_by_day = [caps.daily_cap(berlin, "connect", day(n)) for n in range(16)]
    assert caps_by_day[0] == 4 and caps_by_day[7] == 12 and caps_by_day[14] == 20 == caps_by_day[15]
    assert caps_by_day == sorted(caps_by_day)


def test_pacing_is_the_larger_of_the_minimum_and_the_window_over_the_cap_with_jitter(berlin, settings):
    settings.MIN_ACTION_INTERVAL_SECONDS, settings.PACING_JITTER = 60, 0.2
    berlin.connect_daily_limit = 16  # 8 h window / 16 = 30 min
    rng = random.Random(1)
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    intervals = [interval_seconds(berlin, "connect", 60, now, rng) for _ in range(200)]
    assert all(0.8 * 1800 <= i <= 1.2 * 1800 for i in intervals)
    assert len({round(i) for i in intervals}) > 150  # jittered, not a fixed period
    berlin.connect_daily_limit = 1000  # the window allows 28.8 s: the minimum wins
    assert all(48 <= interval_seconds(berlin, "connect", 60, now, rng) <= 72 for _ in range(50))


def test_a_slot_is_taken_once_even_when_two_dispatchers_race(alice):
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert take_slot(alice, "connect", 600, now) is True
    assert take_slot(alice, "connect", 600, now) is False  # the second beat finds it taken
    assert take_slot(alice, "connect", 600, now + timedelta(seconds=599)) is False
    assert take_slot(alice, "connect", 600, now + timedelta(seconds=600)) is True
