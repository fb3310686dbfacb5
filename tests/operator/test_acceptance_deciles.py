"""The dashboard shows each campaign's acceptance rate by score decile, counted from its invitations."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.utils import timezone

from openoutreach.operator.dashboard import acceptance_by_score
from openoutreach.pipeline import transitions as t
from openoutreach.pipeline.leads import discover


def test_the_acceptance_rate_by_score_decile_is_the_crms(client, django_user_model, campaign, alice):
    """40 invitations, scores 0.01..0.40: the top half accepted, the bottom half not, plus two still
    pending inside the window (not counted) and one sent without a score (counted apart)."""
    now = timezone.now()
    deals = [
        t.promote(discover(f"https://www.linkedin.com/in/p-{i}/", f"p-{i}", alice).lead, campaign, score=s)
        for i, s in enumerate([(i + 1) / 100 for i in range(42)] + [None])
    ]
    for i, ds in enumerate(deals):
        with time_machine.travel(now - timedelta(days=2 if i in (40, 41) else 30), tick=False):
            t.mark_pending(ds, alice, 24)
        if i >= 20 and i < 40 or i == 42:
            with time_machine.travel(now - timedelta(days=29), tick=False):
                t.mark_connected(ds, alice)

    data = acceptance_by_score(campaign, now, window_days=14)
    assert (data.open, data.unscored) == (2, 1)
    assert [(d.number, d.invitations, d.accepted) for d in data.deciles] == [
        (n, 4, 0 if n <= 5 else 4) for n in range(1, 11)
    ]
    assert (data.deciles[0].low, data.deciles[-1].high) == (0.01, 0.40)

    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    page = client.get("/admin/dashboard/").content.decode()
    rows = re.findall(
        r'class="oo-decile" data-decile="(\d+)" data-invitations="(\d+)" data-accepted="(\d+)"', page
    )
    assert rows == [(str(n), "4", "0" if n <= 5 else "4") for n in range(1, 11)]
    assert "2 still pending inside the window" in page and "1 sent without a score" in page
