"""Which campaigns an account's tick acts for: every campaign has its own lane, partner campaigns are
gated by their action fraction, and regular ticks give way by the largest partner fraction."""

from __future__ import annotations

import random

from openoutreach.outreach.models import Campaign, LinkedInAccount


def active_campaigns(account: LinkedInAccount) -> list[Campaign]:
    return list(
        Campaign.objects.filter(active=True, department__user=account.user)
        .select_related("department")
        .order_by("id")
    )


def choose(campaigns: list[Campaign], rng: random.Random) -> list[Campaign]:
    """The campaigns this tick may act for, in the order to try them.

    A partner campaign takes part with probability `action_fraction`; regular campaigns take part with
    probability 1 - (largest partner fraction), so partners get their share of the account's slots
    without raising its total pace. Regular campaigns are tried in a random order (fair over time).
    """
    partners = [c for c in campaigns if c.is_partner]
    regular = [c for c in campaigns if not c.is_partner]
    chosen = [c for c in partners if rng.random() < c.action_fraction]
    largest = max((c.action_fraction for c in partners), default=0.0)
    if regular and rng.random() >= largest:
        rng.shuffle(regular)
        chosen += regular
    return chosen
