"""The connect lane invites in the order of P(fit) x P(accept), not of P(fit) alone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

from openoutreach.lanes import connect
from openoutreach.ml.service import write_ranking
from openoutreach.outreach.models import DealState
from openoutreach.pipeline import leads, transitions

NOON = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def test_the_connect_lane_follows_fit_times_accept(campaign, alice, redis_client):
    alice.working_hours_start, alice.working_hours_end = time(0), time(23, 59)
    alice.save()
    deals = [
        transitions.promote(
            leads.discover(f"https://www.linkedin.com/in/p-{i}/", f"p-{i}").lead, campaign, 0.5
        )
        for i in range(5)
    ]
    # P(fit) alone would go 0, 1, 2, 3, 4; with P(accept) the order is 3, 2, 0, 4, 1.
    factors = {0: (0.95, 0.20), 1: (0.90, 0.05), 2: (0.80, 0.40), 3: (0.70, 0.60), 4: (0.60, 0.10)}
    assert write_ranking({deals[i].pk: (f, a, a) for i, (f, a) in factors.items()}) == 5
    for i, (f, a) in factors.items():
        ds = DealState.objects.get(pk=deals[i].pk)
        assert (ds.p_fit, ds.p_accept, ds.score) == (f, a, f * a)

    expected = [deals[i].pk for i in (3, 2, 0, 4, 1)]
    assert [ds.pk for ds in connect.candidates(alice, campaign, NOON, limit=5)] == expected
    sent = connect.dispatch(NOON, random.Random(0))
    assert [s["deal_state"] for s in sent] == [expected[0]]  # the first invitation goes to the best product
