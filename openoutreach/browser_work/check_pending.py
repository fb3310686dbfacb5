"""browser.check_pending's unit of work: read whether pending invitations were accepted."""

from __future__ import annotations

from openoutreach.linkedin.actions.profile import connection_status
from openoutreach.linkedin.actions.topcard import ConnectionStatus
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import ProfileUnavailable
from openoutreach.outreach.models import ActionLog, DealState, Lane, LinkedInAccount
from openoutreach.pipeline import claims, stages, transitions

from .outward import control_not_found, full_name


def check_pending(
    client: LinkedInClient, account: LinkedInAccount, ds_ids: list[int], task_id: str = ""
) -> dict:
    """Read the live relationship of each Pending deal: accepted -> Connected, gone -> New (once) or
    Failed, still pending -> look again later with the interval doubled. Stops when the account may no
    longer act (re-checked before every profile)."""
    counts = {"connected": 0, "withdrawn": 0, "still_pending": 0, "failed": 0, "not_checked": 0}
    for ds in DealState.objects.select_related("lead__linkedin", "campaign__department").filter(
        pk__in=ds_ids, state=stages.PENDING
    ):
        allowed, why = account.may_act(Lane.CHECK_PENDING)
        if not allowed:
            claims.release_deal(ds)
            counts["not_checked"] += 1
            counts["why_not"] = why
            continue
        try:
            read = connection_status(client, ds.lead.linkedin.url, full_name(ds))
            status = read.status
        except ProfileUnavailable as exc:
            transitions.mark_failed(
                ds, str(exc), account, closing=stages.Closing.PROFILE_UNAVAILABLE,
                kind=ActionLog.Kind.CHECK_PENDING, task_id=task_id,
            )  # fmt: skip
            counts["failed"] += 1
            continue
        if status is ConnectionStatus.CONNECTED:
            transitions.mark_connected(ds, account, task_id)
            counts["connected"] += 1
        elif status is ConnectionStatus.NOT_CONNECTED:
            transitions.mark_withdrawn(
                ds, account, "invitation no longer pending (declined or withdrawn)", task_id
            )
            counts["withdrawn"] += 1
        else:
            if status is ConnectionStatus.UNKNOWN:  # the page told nothing: evidence, and the breaker
                control_not_found(
                    account, ds, ActionLog.Kind.CHECK_PENDING, "the relationship could not be read",
                    task_id, read.capture,
                )  # fmt: skip
            transitions.reschedule_check(ds)
            counts["still_pending"] += 1
    return counts
