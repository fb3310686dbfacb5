"""Stale invitations: which pending invitations are due for withdrawal, and LinkedIn's re-invite block.

An invitation still pending `Campaign.withdraw_after_days` after it was sent (0 = never) is withdrawn by
the withdraw lane. After a withdrawal LinkedIn refuses a new invitation to that person for up to three
weeks (issue 13; the sandbox enforces 21 days): the connect lane keeps off a person whose invitation was
withdrawn less than `REINVITE_BLOCK` ago, and a campaign that allows re-inviting
(`reinvite_after_withdrawal`) gets the deal back to New only once the block is over, once per deal.
Durations are divided by TIME_SCALE in rehearsals, like every other interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from openoutreach.outreach.models import ActionLog, Campaign, DealState, LinkedInAccount

from . import claims, stages

REINVITE_BLOCK_DAYS = 21
MAX_REINVITES = 1
MAX_ATTEMPTS = 3  # failed withdrawals of one invitation (FAILED / NOT_FOUND rows) before the lane stops


def reinvite_block() -> timedelta:
    return timedelta(days=REINVITE_BLOCK_DAYS) / settings.TIME_SCALE


def withdraw_after(campaign: Campaign) -> timedelta | None:
    if not campaign.withdraw_after_days:
        return None
    return timedelta(days=campaign.withdraw_after_days) / settings.TIME_SCALE


def blocked(now: datetime) -> Exists:
    """A DealState filter: the deal's person had an invitation withdrawn inside the block (any deal)."""
    recent = DealState.objects.filter(lead_id=OuterRef("lead_id"), withdrawn_at__gt=now - reinvite_block())
    return Exists(recent)


def in_block(lead_id: int, now: datetime) -> datetime | None:
    """When the block on re-inviting this person ends, or None when there is none."""
    last = (
        DealState.objects.filter(lead_id=lead_id, withdrawn_at__isnull=False)
        .order_by("-withdrawn_at")
        .values_list("withdrawn_at", flat=True)
        .first()
    )
    if last is None or last + reinvite_block() <= now:
        return None
    return last + reinvite_block()


def stale(account: LinkedInAccount, campaign: Campaign, now: datetime) -> QuerySet:
    """This account's Pending deals of the campaign whose invitation is older than the campaign allows."""
    age = withdraw_after(campaign)
    if age is None:
        return DealState.objects.none()
    failed = ActionLog.objects.filter(
        deal_id=OuterRef("deal_id"),
        kind=ActionLog.Kind.WITHDRAW,
        outcome__in=(ActionLog.Outcome.FAILED, ActionLog.Outcome.NOT_FOUND),
    )
    return (
        DealState.objects.filter(
            account=account, campaign=campaign, state=stages.PENDING, contacted_at__lte=now - age
        )
        .filter(claims.unclaimed(now))
        .annotate(
            failures=Coalesce(Subquery(failed.values("deal_id").annotate(n=Count("pk")).values("n")), 0)
        )
        .filter(failures__lt=MAX_ATTEMPTS)
        .order_by("contacted_at", "id")
    )


def reopen_due(now: datetime) -> QuerySet:
    """Withdrawn deals of campaigns that re-invite, whose block is over and that were not re-invited yet."""
    return DealState.objects.filter(
        state=stages.FAILED,
        campaign__active=True,
        campaign__reinvite_after_withdrawal=True,
        withdrawn_at__lte=now - reinvite_block(),
        withdrawals__lte=MAX_REINVITES,
        deal__closing_reason__name=stages.Closing.INVITATION_WITHDRAWN,
    ).filter(claims.unclaimed(now))
