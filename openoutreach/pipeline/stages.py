"""The states of a person in a campaign, as DjangoCRM deal stages (one set per campaign department).

discovered (URL only) -> enriched -> qualified (Deal at NEW) or disqualified -> PENDING (invitation sent)
-> CONNECTED -> COMPLETED (the sequence's last step sent). A message from the person moves a Pending,
Connected or Completed deal to REPLIED (and stops every automated message to that person). FAILED is terminal with a closing reason, except a deal the
qualifier held for review before anyone contacted the person (closing reason HELD_FOR_REVIEW), which goes
back to NEW if a later model releases it. A person who was already a 1st-degree connection goes straight
to CONNECTED.
"""

from __future__ import annotations

from enum import StrEnum

NEW = "New"
PENDING = "Pending"
CONNECTED = "Connected"
COMPLETED = "Completed"
REPLIED = "Replied"
FAILED = "Failed"

# (name, index_number, default, success_stage): the order DjangoCRM shows them in.
STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    (NEW, 1, True, False),
    (PENDING, 2, False, False),
    (CONNECTED, 3, False, False),
    (COMPLETED, 4, False, True),
    (REPLIED, 5, False, False),
    (FAILED, 6, False, False),
)


class Closing(StrEnum):
    """Closing reasons of a closed deal: a typo is an AttributeError, never a silent None. The values
    are the names DjangoCRM shows (one ClosingReason row per campaign department)."""

    FOLLOW_UP_SENT = "Follow-up sent"
    DECLINED = "Invitation declined or withdrawn"
    # The withdrawal lane took back an invitation pending too long (LinkedIn then blocks a new one for
    # up to three weeks).
    INVITATION_WITHDRAWN = "Invitation withdrawn"
    PROFILE_UNAVAILABLE = "Profile unavailable"
    INVITATION_FAILED = "Could not send invitation"
    MESSAGE_FAILED = "Could not send message"
    DO_NOT_CONTACT = "Do not contact"
    CONTACTED_ELSEWHERE = "Contacted by another account"
    HELD_FOR_REVIEW = "Held for review"
    # An outward action failed or was interrupted after its click and the live state could not tell
    # whether it reached the person: an operator looks (never sent twice).
    DELIVERY_UNKNOWN = "Delivery unknown: check the conversation"


SUCCESSFUL_CLOSINGS = frozenset({Closing.FOLLOW_UP_SENT})
# (name, success_reason), in the order DjangoCRM shows them.
CLOSING_REASONS: tuple[tuple[str, bool], ...] = tuple((c.value, c in SUCCESSFUL_CLOSINGS) for c in Closing)
HELD_FOR_REVIEW = Closing.HELD_FOR_REVIEW

LEAD_SOURCE = "LinkedIn search"
