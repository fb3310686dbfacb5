"""The breaker: an account stops an action whose control has vanished from LinkedIn's pages.

When LinkedIn changes its markup, every attempt of an action ends "control not found" (no top card,
no Connect, no message field). Retrying is both useless and risky: an account that loads page after
page without acting looks like a bot. After BREAKER_THRESHOLD consecutive NOT_FOUND outcomes of one
action on one account (counted from the ActionLog, like every limit), that action's lane pauses for the
account with the reason "LinkedIn's page may have changed: see captures", until an operator resumes it
in the admin. The count runs since the action last found its control (an OK or LIMIT row) or the
breaker last tripped (its own BREAKER row), so a resumed lane starts from zero; rows that record no
page attempt (skipped by policy, a deal failing after its attempts) neither count nor reset.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q

from openoutreach.outreach.models import ActionLog, LinkedInAccount
from openoutreach.outreach.work_models import Lane, LanePauseReason

log = logging.getLogger(__name__)

RESETS = (ActionLog.Outcome.OK, ActionLog.Outcome.LIMIT, ActionLog.Outcome.BREAKER)


def record(account: LinkedInAccount, kind: str, task_id: str = "") -> bool:
    """Call after writing a NOT_FOUND ActionLog row of `kind`; True when this one tripped the breaker."""
    threshold = settings.BREAKER_THRESHOLD
    rows = ActionLog.objects.filter(account=account, kind=kind)
    last_reset = rows.filter(outcome__in=RESETS).order_by("-at", "-pk").values_list("at", "pk").first()
    misses = rows.filter(outcome=ActionLog.Outcome.NOT_FOUND)
    if last_reset is not None:
        at, pk = last_reset
        misses = misses.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk))
    if misses.count() < threshold:
        return False
    detail = f"{threshold} {kind} attempts in a row could not find their control on the page"
    account.pause_lane(Lane(kind), LanePauseReason.PAGE_CHANGED, detail)
    ActionLog.objects.create(
        account=account,
        kind=kind,
        outcome=ActionLog.Outcome.BREAKER,
        detail=f"{detail}; resume the lane in the admin after checking the captures",
        task_id=task_id,
    )
    log.warning("account %s: %s paused by the breaker (%s)", account.handle, kind, detail)
    return True
