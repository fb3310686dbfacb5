"""Reply figures per campaign for the dashboard: how many people we messaged, how many replied, and how
long a reply took (from our first message to the person to their reply)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Min, Q

from openoutreach.outreach.models import ActionLog, Campaign, DealState
from openoutreach.pipeline import stages


@dataclass(frozen=True)
class ReplyStats:
    messaged: int  # deals with a message of ours sent (follow-up sent, or replied)
    replied: int  # deals whose person replied (out-of-office replies excluded)
    median_time_to_reply: timedelta | None

    @property
    def rate(self) -> float | None:
        return self.replied / self.messaged if self.messaged else None


def reply_stats(campaign: Campaign) -> ReplyStats:
    deals = DealState.objects.filter(campaign=campaign)
    messaged = deals.filter(Q(state__in=(stages.COMPLETED, stages.REPLIED)) | Q(replied_at__isnull=False))
    replied = list(deals.filter(replied_at__isnull=False).values_list("deal_id", "replied_at"))
    first_sent = dict(
        ActionLog.objects.filter(
            deal_id__in=[d for d, _ in replied], kind=ActionLog.Kind.FOLLOW_UP, outcome=ActionLog.Outcome.OK
        )
        .values("deal_id")
        .annotate(first=Min("at"))
        .values_list("deal_id", "first")
    )
    waits = [at - first_sent[d] for d, at in replied if d in first_sent and at >= first_sent[d]]
    median = timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None
    return ReplyStats(messaged.count(), len(replied), median)
