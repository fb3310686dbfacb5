"""The states of a person in a campaign, as DjangoCRM deal stages (one set per campaign department).

discovered (URL only) -> enriched -> qualified (Deal at NEW) or disqualified -> PENDING (invitation sent)
-> CONNECTED -> COMPLETED (follow-up sent). FAILED is terminal with a closing reason, except a deal the
qualifier held for review before anyone contacted the person (closing reason HELD_FOR_REVIEW), which goes
back to NEW if a later model releases it. A person who was already a 1st-degree connection goes straight
to CONNECTED.
"""

from __future__ import annotations

NEW = "New"
PENDING = "Pending"
CONNECTED = "Connected"
COMPLETED = "Completed"
FAILED = "Failed"

# (name, index_number, default, success_stage): the order DjangoCRM shows them in.
STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    (NEW, 1, True, False),
    (PENDING, 2, False, False),
    (CONNECTED, 3, False, False),
    (COMPLETED, 4, False, True),
    (FAILED, 5, False, False),
)

# Closing reasons of a FAILED deal (name, success_reason).
CLOSING_REASONS: tuple[tuple[str, bool], ...] = (
    ("Follow-up sent", True),
    ("Invitation declined or withdrawn", False),
    ("Profile unavailable", False),
    ("Could not send invitation", False),
    ("Could not send message", False),
    ("Do not contact", False),
    ("Contacted by another account", False),
    ("Held for review", False),
)
HELD_FOR_REVIEW = "Held for review"

LEAD_SOURCE = "LinkedIn search"
