"""The per-campaign daily LLM budget, counted from the ActionLog (it survives restarts and a flushed Redis).

Every LLM call is one ActionLog row (kind "llm") written when the call is taken from the budget, before it
is made, so a call that crashes half-way is still counted; the tokens the endpoint reports are written into
the same row's `tokens` column afterwards, and its `detail` says what the call was for as JSON
({"purpose": "qualify"}, plus "error" for a call that got no answer). Today's calls and tokens are one
aggregate query over those rows.

When a limit is reached, LLM use for the campaign pauses until the campaign's next day: `BudgetExhausted`
says which limit and how to lift it, and `record_pause` writes one ActionLog row (outcome "limit") and one
log line per campaign and day, so the admin shows why qualification stopped asking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from openoutreach.ml.llm import BudgetExhausted
from openoutreach.outreach.models import ActionLog, Campaign

log = logging.getLogger(__name__)


def day_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in the project's time zone (settings.TIME_ZONE), as an aware datetime."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class CampaignBudget:
    """A `Budget` (see llm.py) for one campaign, backed by ActionLog rows. Not shared across threads."""

    def __init__(self, campaign: Campaign, purpose: str, now: Callable[[], datetime] = timezone.now) -> None:
        self.campaign, self.purpose, self.now = campaign, purpose, now
        self.lead_id: int | None = None  # the lead the next call is about, for the audit trail
        self._row: int | None = None

    def _today(self):
        start = day_start(self.now())
        return ActionLog.objects.filter(
            campaign=self.campaign, kind=ActionLog.Kind.LLM, at__gte=start, at__lt=start + timedelta(days=1)
        )

    def used(self) -> tuple[int, int]:
        """(calls, tokens) spent today."""
        spent = (
            self._today()
            .exclude(outcome=ActionLog.Outcome.LIMIT)
            .aggregate(calls=Count("id"), tokens=Coalesce(Sum("tokens"), 0))
        )
        return spent["calls"], spent["tokens"]

    def check(self) -> None:
        """Raise BudgetExhausted when a limit is reached (without spending anything)."""
        calls, tokens = self.used()
        limit_calls, limit_tokens = self.campaign.llm_daily_calls, self.campaign.llm_daily_tokens
        resume = day_start(self.now()) + timedelta(days=1)
        if calls >= limit_calls:
            raise BudgetExhausted(
                f"campaign {self.campaign.name!r}: daily LLM budget of {limit_calls} calls used up; "
                f"LLM use is paused until {resume:%Y-%m-%d %H:%M %Z} (raise the campaign's LLM daily calls to continue)"
            )
        if tokens >= limit_tokens:
            raise BudgetExhausted(
                f"campaign {self.campaign.name!r}: daily LLM budget of {limit_tokens} tokens used up "
                f"({tokens} spent); LLM use is paused until {resume:%Y-%m-%d %H:%M %Z} "
                "(raise the campaign's LLM daily tokens to continue)"
            )

    def acquire(self, campaign_id: int) -> None:
        if campaign_id != self.campaign.pk:
            raise ValueError(f"budget of campaign {self.campaign.pk} asked for campaign {campaign_id}")
        self.check()
        row = ActionLog.objects.create(
            campaign=self.campaign, kind=ActionLog.Kind.LLM, outcome=ActionLog.Outcome.OK, lead_id=self.lead_id,
            detail=json.dumps({"purpose": self.purpose}),
        )  # fmt: skip
        self._row = row.pk

    def spend_tokens(self, campaign_id: int, tokens: int) -> None:
        if self._row is None:
            return
        ActionLog.objects.filter(pk=self._row).update(tokens=max(int(tokens), 0))

    def mark_failed(self, error: str) -> None:
        """The last call did not get an answer (timeout, HTTP error): it still counts, marked failed."""
        if self._row is not None:
            ActionLog.objects.filter(pk=self._row).update(
                outcome=ActionLog.Outcome.FAILED,
                detail=json.dumps({"purpose": self.purpose, "error": error[:300]}),
            )


def record_pause(campaign: Campaign, message: str, task_id: str = "", now: datetime | None = None) -> bool:
    """One ActionLog row (outcome "limit") and one warning per campaign and day; True if written now."""
    start = day_start(now or timezone.now())
    already = ActionLog.objects.filter(
        campaign=campaign, kind=ActionLog.Kind.LLM, outcome=ActionLog.Outcome.LIMIT, at__gte=start
    ).exists()
    if already:
        return False
    ActionLog.objects.create(
        campaign=campaign, kind=ActionLog.Kind.LLM, outcome=ActionLog.Outcome.LIMIT, detail=message, task_id=task_id
    )  # fmt: skip
    log.warning("%s", message)
    return True
