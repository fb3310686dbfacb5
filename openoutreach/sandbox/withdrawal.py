"""Withdrawn invitations in the sandbox: LinkedIn's block on inviting the same person again.

After a member withdraws an invitation, LinkedIn refuses a new invitation to that person for up to
three weeks (issue 13; the confirmation dialog says "you won't be able to resend to <name> for up to 3
weeks"). The sandbox enforces exactly 21 sandbox days, per account and person, so a product that
re-invites too early fails visibly (an error answer the page shows as an error toast).

The controls that withdraw live where they always did: the Pending control of every profile
generation and the sent-invitations page's Withdraw buttons open the confirmation dialog (`app.js`),
which posts to `/voyager/api/voyagerRelationshipsDashInvitations?action=withdraw` (`api.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openoutreach.sandbox.population import Person
    from openoutreach.sandbox.world import World

DAY = 86_400.0
REINVITE_BLOCK_DAYS = 21


def blocked_until(world: World, account: str, person: int) -> float | None:
    """Sandbox time at which `account` may invite `person` again, or None when nothing blocks it."""
    last = max(
        (
            inv.resolved_at
            for inv in world.invitations
            if inv.account == account
            and inv.person == person
            and inv.status == "withdrawn"
            and inv.resolved_at
        ),
        default=None,
    )
    if last is None:
        return None
    ends = last + REINVITE_BLOCK_DAYS * DAY
    return ends if ends > world.clock.now() else None


def check_reinvite(world: World, account: str, person: Person) -> None:
    """Refuse an invitation inside the block (called by `World.invite`)."""
    from openoutreach.sandbox.world import ActionError

    ends = blocked_until(world, account, person.index)
    if ends is not None:
        days = (ends - world.clock.now()) / DAY
        raise ActionError(
            "reinvite_blocked",
            f"You withdrew an invitation to {person.full_name} recently: you can invite them again in "
            f"{days:.1f} days.",
            400,
        )


def card_controls(controls: list[str], pending_not_in_card: bool) -> list[str]:
    """The 2026 top card's controls, without Pending when the `pending_not_in_card` fault is on."""
    return [c for c in controls if c != "pending"] if pending_not_in_card else controls
