"""Words for the keys the lanes and the audit trail store (`follow_up`, `check_pending`): the admin, the
dashboard and the demo show the Lane choices' labels ("follow up"), never the raw keys."""

from __future__ import annotations

from openoutreach.outreach.models import ActionLog, Lane


def lane_label(key: str) -> str:
    """A lane's label; an audit-trail kind that is not a lane (login, qualify, llm) its own label."""
    if key in Lane.values:
        return str(Lane(key).label)
    if key in ActionLog.Kind.values:
        return str(ActionLog.Kind(key).label).lower()
    return key.replace("_", " ")
