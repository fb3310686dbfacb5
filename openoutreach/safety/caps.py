"""Caps, working hours and the warm-up ramp of an account, counted from the ActionLog.

Counting from the database (not Redis) means caps survive restarts, crashes and a flushed broker. Days
and ISO weeks are the account's own, in its time zone (a DST change makes a 23- or 25-hour day; the week
that crosses a year belongs to its ISO year). Only actions that reached LinkedIn count (outcome ok).
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from openoutreach.outreach.models import ActionLog, LinkedInAccount

Kind = ActionLog.Kind


def local_now(account: LinkedInAccount, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(account.time_zone))


def _at(day: date, clock: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant. Aware datetimes sharing a tzinfo subtract as wall-clock
    times in Python (a 23-hour DST day would look like 24 h): UTC instants never do."""
    return datetime.combine(day, clock).replace(tzinfo=tz).astimezone(UTC)


def day_bounds(account: LinkedInAccount, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the account's local calendar day."""
    local = local_now(account, now)
    return _at(local.date(), time(0), local.tzinfo), _at(
        local.date() + timedelta(days=1), time(0), local.tzinfo
    )


def week_bounds(account: LinkedInAccount, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the account's local ISO week (Monday 00:00 to the next Monday)."""
    local = local_now(account, now)
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    return _at(monday, time(0), local.tzinfo), _at(monday + timedelta(days=7), time(0), local.tzinfo)


def iso_week(account: LinkedInAccount, now: datetime | None = None) -> tuple[int, int]:
    year, week, _ = local_now(account, now).isocalendar()
    return year, week


def working_window(account: LinkedInAccount, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The working window that contains `now`, or None outside working hours. Windows may cross midnight."""
    local = local_now(account, now)
    tz, start, end = local.tzinfo, account.working_hours_start, account.working_hours_end
    for day in (local.date(), local.date() - timedelta(days=1)):
        opens = _at(day, start, tz)
        closes = _at(day if end > start else day + timedelta(days=1), end, tz)
        if opens <= local.astimezone(UTC) < closes:
            return opens, closes
    return None


def in_working_hours(account: LinkedInAccount, now: datetime | None = None) -> bool:
    return working_window(account, now) is not None


def window_seconds(account: LinkedInAccount) -> float:
    """Length of a working window in seconds (wall-clock hours; a DST night is not special-cased)."""
    start = account.working_hours_start.hour * 3600 + account.working_hours_start.minute * 60
    end = account.working_hours_end.hour * 3600 + account.working_hours_end.minute * 60
    return float((end - start) % 86400 or 86400)


def warmup_fraction(account: LinkedInAccount, now: datetime | None = None) -> float:
    """Share of the daily cap allowed today: rises linearly from `warmup_start_fraction` to 1."""
    if account.warmup_started_on is None or account.warmup_days == 0:
        return 1.0
    days = (local_now(account, now).date() - account.warmup_started_on).days
    if days >= account.warmup_days:
        return 1.0
    start = account.warmup_start_fraction
    return start + (1.0 - start) * max(days, 0) / account.warmup_days


def daily_limit(account: LinkedInAccount, kind: str) -> int:
    return {
        Kind.CONNECT: account.connect_daily_limit,
        Kind.FOLLOW_UP: account.followup_daily_limit,
        Kind.ENRICH: account.enrich_daily_limit,
        Kind.WITHDRAW: account.withdraw_daily_limit,
    }.get(kind, 0)


def daily_cap(account: LinkedInAccount, kind: str, now: datetime | None = None) -> int:
    """Today's cap: the daily limit scaled by the warm-up ramp (invitations and messages only)."""
    limit = daily_limit(account, kind)
    if kind in (Kind.CONNECT, Kind.FOLLOW_UP) and limit:
        return max(1, math.floor(limit * warmup_fraction(account, now)))
    return limit


def count(account: LinkedInAccount, kind: str, since: datetime, until: datetime) -> int:
    return ActionLog.objects.filter(
        account=account, kind=kind, outcome=ActionLog.Outcome.OK, at__gte=since, at__lt=until
    ).count()


@dataclass(frozen=True)
class Usage:
    today: int
    daily_cap: int
    week: int
    weekly_cap: int | None  # only invitations have a weekly cap

    @property
    def remaining(self) -> int:
        left = self.daily_cap - self.today
        if self.weekly_cap is not None:
            left = min(left, self.weekly_cap - self.week)
        return max(left, 0)


def usage(account: LinkedInAccount, kind: str, now: datetime | None = None) -> Usage:
    now = now or timezone.now()
    today = count(account, kind, *day_bounds(account, now))
    if kind == Kind.CONNECT:
        return Usage(
            today,
            daily_cap(account, kind, now),
            count(account, kind, *week_bounds(account, now)),
            account.connect_weekly_limit,
        )
    return Usage(today, daily_cap(account, kind, now), 0, None)


def usage_summary(account: LinkedInAccount, now: datetime | None = None) -> dict[str, Usage]:
    """What the admin shows: today's and this week's usage against each cap."""
    kinds = (Kind.CONNECT, Kind.FOLLOW_UP, Kind.ENRICH, Kind.WITHDRAW)
    return {kind: usage(account, kind, now) for kind in kinds}
