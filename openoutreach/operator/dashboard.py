"""The numbers behind the admin dashboard, read from what the lanes and the ML worker record.

- the funnel per campaign (`funnel.py`);
- actions per day per account (invitations, follow-ups, enrichments that reached LinkedIn, counted in
  the account's own days as the caps are) against each day's cap (warm-up included);
- per campaign, LLM calls (ActionLog kind "llm") against decisions made without one (Qualification
  sources "model" and "rule") over the same window;
- per campaign, the acceptance rate of its invitations by score decile (the ranking is P(fit) x
  P(accept): if it works, higher deciles accept more often);
- account health, and the most recent failures from the audit trail.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from openoutreach.ml.acceptance_outcomes import invitations
from openoutreach.outreach.models import ActionLog, Campaign, LinkedInAccount, Qualification
from openoutreach.safety import caps, health

from .funnel import Funnel, funnel

Kind = ActionLog.Kind
CAPPED_KINDS = (Kind.CONNECT, Kind.FOLLOW_UP, Kind.ENRICH)
FAILURE_OUTCOMES = (ActionLog.Outcome.FAILED, ActionLog.Outcome.CHECKPOINT, ActionLog.Outcome.LIMIT)
DEFAULT_DAYS = 14
RECENT_FAILURES = 20
DECILES = 10


@dataclass(frozen=True)
class DayUsage:
    day: date
    done: dict[str, int]  # kind -> actions that reached LinkedIn
    cap: dict[str, int]  # kind -> that day's cap


@dataclass(frozen=True)
class AccountActivity:
    account: LinkedInAccount
    days: list[DayUsage]
    usage: dict[str, caps.Usage]
    paused: bool
    in_working_hours: bool


@dataclass(frozen=True)
class Decisions:
    campaign: Campaign
    llm_calls: int
    by_source: dict[str, int]  # Qualification.Source -> labels written in the window

    @property
    def automatic(self) -> int:
        return self.by_source.get(Qualification.Source.MODEL, 0) + self.by_source.get(
            Qualification.Source.RULE, 0
        )


@dataclass(frozen=True)
class Decile:
    number: int  # 1 = the lowest scores
    low: float  # score range of its invitations
    high: float
    invitations: int  # decided ones (accepted or not)
    accepted: int

    @property
    def rate(self) -> float:
        return self.accepted / self.invitations if self.invitations else 0.0


@dataclass(frozen=True)
class AcceptanceByScore:
    campaign: Campaign
    deciles: list[Decile]  # fewer than ten while there are fewer than ten decided invitations
    open: int  # still pending inside the window: not counted yet
    unscored: int  # decided, but sent without a score (before the qualifier had one)


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    days: int
    funnels: list[Funnel]
    accounts: list[AccountActivity]
    decisions: list[Decisions]
    failures: list[ActionLog]
    acceptance: list[AcceptanceByScore]


def local_days(account: LinkedInAccount, now: datetime, days: int) -> list[date]:
    today = caps.local_now(account, now).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def account_activity(account: LinkedInAccount, now: datetime, days: int) -> AccountActivity:
    tz = zoneinfo.ZoneInfo(account.time_zone)
    window = local_days(account, now, days)
    since = datetime.combine(window[0], time(0)).replace(tzinfo=tz)
    done: dict[tuple[date, str], int] = {}
    rows = (
        ActionLog.objects.filter(
            account=account, kind__in=CAPPED_KINDS, outcome=ActionLog.Outcome.OK, at__gte=since
        )
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        done[(row["day"], row["kind"])] = row["n"]
    per_day = []
    for day in window:
        noon = datetime.combine(day, time(12)).replace(tzinfo=tz)  # the warm-up ramp's value that day
        per_day.append(
            DayUsage(
                day,
                {kind: done.get((day, kind), 0) for kind in CAPPED_KINDS},
                {kind: caps.daily_cap(account, kind, noon) for kind in CAPPED_KINDS},
            )
        )
    return AccountActivity(
        account,
        per_day,
        caps.usage_summary(account, now),
        health.is_paused(account, now),
        caps.in_working_hours(account, now),
    )


def decisions(campaign: Campaign, since: datetime) -> Decisions:
    calls = ActionLog.objects.filter(campaign=campaign, kind=Kind.LLM, at__gte=since).count()
    by_source = dict(
        Qualification.objects.filter(campaign=campaign, at__gte=since, label__isnull=False)
        .values_list("source")
        .annotate(n=Count("id"))
    )
    return Decisions(campaign, calls, by_source)


def acceptance_by_score(campaign: Campaign, now: datetime, window_days: int) -> AcceptanceByScore:
    """The campaign's decided invitations sorted by the deal's score, cut into ten groups of equal size,
    and the share accepted within the window in each (acceptance_outcomes.py says what counts)."""
    rows = invitations(campaign.pk, now, window_days, with_features=False)
    decided = sorted(
        (r for r in rows if r.accepted is not None and r.score is not None), key=lambda r: r.score
    )
    k = min(DECILES, len(decided))
    groups: list[list] = [[] for _ in range(k)]
    for rank, row in enumerate(decided):
        groups[rank * k // len(decided)].append(row)
    deciles = [
        Decile(i + 1, g[0].score, g[-1].score, len(g), sum(r.accepted for r in g))
        for i, g in enumerate(groups)
    ]
    return AcceptanceByScore(
        campaign,
        deciles,
        open=sum(r.accepted is None for r in rows),
        unscored=sum(r.accepted is not None and r.score is None for r in rows),
    )


def build(now: datetime | None = None, days: int = DEFAULT_DAYS) -> Dashboard:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    campaigns = list(Campaign.objects.select_related("department").order_by("id"))
    accounts = list(LinkedInAccount.objects.filter(active=True).order_by("handle"))
    failures = list(
        ActionLog.objects.filter(outcome__in=FAILURE_OUTCOMES)
        .select_related("account", "campaign__department", "lead")
        .order_by("-at")[:RECENT_FAILURES]
    )
    return Dashboard(
        now=now,
        days=days,
        funnels=[funnel(c) for c in campaigns],
        accounts=[account_activity(a, now, days) for a in accounts],
        decisions=[decisions(c, since) for c in campaigns],
        failures=failures,
        acceptance=[acceptance_by_score(c, now, settings.ACCEPT_WINDOW_DAYS) for c in campaigns],
    )
