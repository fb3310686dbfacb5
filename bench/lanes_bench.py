"""Dispatcher tick time with 100 accounts x 3 campaigns and 100,000 leads in the CRM.

    .venv/bin/python bench/lanes_bench.py [--leads 100000] [--accounts 100] [--campaigns 3]

Builds a throw-away CRM (SQLite in a temp dir, a private Redis for the queued tasks), then times one
tick of each lane dispatcher with every slot due (the worst tick), a second tick (slots spent), and
prints the query count of each and SQLite's plan for the connect lane's candidate query.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(n_leads: int, n_accounts: int, n_campaigns: int) -> None:
    from crm.models import Deal, Lead, Stage
    from django.contrib.auth.models import User
    from django.utils import timezone

    from openoutreach.outreach.models import DealState, LinkedInAccount, LinkedInProfile
    from openoutreach.pipeline import stages
    from openoutreach.pipeline.campaigns import create_campaign, join
    from openoutreach.pipeline.crm_setup import ensure_workspace

    ensure_workspace()
    campaigns = [create_campaign(f"campaign-{i}", "A product.", "A market.") for i in range(n_campaigns)]
    for i in range(n_accounts):
        user = User.objects.create_user(f"acct{i}")
        account = LinkedInAccount(user=user, handle=f"acct{i}", username=f"acct{i}@example.com")
        account.working_hours_start, account.working_hours_end = time_of(0), time_of(23, 59)
        account.save()
        for c in campaigns:
            join(account, c)
    accounts = list(LinkedInAccount.objects.all())
    now = timezone.now()
    rng = random.Random(1)
    batch = 5000
    for start in range(0, n_leads, batch):
        leads = Lead.objects.bulk_create(
            [
                Lead(first_name=f"p{i}", website=f"https://www.linkedin.com/in/p{i}/")
                for i in range(start, min(start + batch, n_leads))
            ]
        )
        LinkedInProfile.objects.bulk_create(
            [
                LinkedInProfile(
                    lead=lead,
                    url=lead.website,
                    public_identifier=lead.first_name,
                    enriched_at=now if rng.random() < 0.7 else None,
                )  # fmt: skip
                for lead in leads
            ]
        )
        promoted = [lead for lead in leads if rng.random() < 0.6]
        deals, states = [], []
        for lead in promoted:
            campaign = campaigns[rng.randrange(n_campaigns)]
            r = rng.random()
            state = (
                stages.NEW
                if r < 0.7
                else stages.PENDING
                if r < 0.85
                else stages.CONNECTED
                if r < 0.95
                else stages.COMPLETED
            )
            deals.append(Deal(name=lead.first_name, next_step="-", next_step_date=now.date(), lead=lead,
                              department=campaign.department, ticket=f"t{lead.pk}"))  # fmt: skip
            states.append((campaign, lead, state))
        deals = Deal.objects.bulk_create(deals)
        stage_of = {(s.department_id, s.name): s.pk for s in Stage.objects.all()}
        for deal, (campaign, _lead, state) in zip(deals, states, strict=True):
            deal.stage_id = stage_of[(campaign.department_id, state)]
        Deal.objects.bulk_update(deals, ["stage"])
        DealState.objects.bulk_create(
            [
                DealState(
                    deal=deal,
                    campaign=campaign,
                    lead=lead,
                    state=state,
                    score=rng.random() if rng.random() < 0.8 else None,
                    account=None if state == stages.NEW else accounts[rng.randrange(len(accounts))],
                    next_check_at=now if state == stages.PENDING and rng.random() < 0.1 else None,
                )  # fmt: skip
                for deal, (campaign, lead, state) in zip(deals, states, strict=True)
            ]
        )


def time_of(h: int, m: int = 0):
    from datetime import time as t

    return t(h, m)


def tick(name: str, dispatch, rng) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label in ("first tick (all slots due)", "second tick (slots spent)"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            sent = dispatch(None, rng)
            elapsed = time.perf_counter() - started
        print(
            f"  {name:<14} {label:<28} {elapsed * 1000:8.1f} ms  {len(queries):6d} queries  {len(sent):4d} sent"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--campaigns", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="openoutreach-bench-"))
    os.environ.update(
        {"DATA_DIR": str(tmp), "DJANGO_SETTINGS_MODULE": "openoutreach.settings", "LOG_LEVEL": "WARNING"}
    )
    from openoutreach.local_redis import PrivateRedis

    with PrivateRedis(workdir=tmp / "redis") as redis_server:
        os.environ["REDIS_URL"] = redis_server.url
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build(args.leads, args.accounts, args.campaigns)
        print(f"built {args.leads:,} leads, {args.accounts} accounts x {args.campaigns} campaigns "
              f"in {time.perf_counter() - started:.0f} s (SQLite, {tmp})")  # fmt: skip

        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from openoutreach.lanes import check_pending, connect, enrich, follow_up, qualify, search
        from openoutreach.outreach.models import Campaign, DealState, LinkedInAccount

        rng = random.Random(7)
        for name, module in [("connect", connect), ("check_pending", check_pending), ("follow_up", follow_up),
                             ("enrich", enrich), ("search", search), ("qualify", qualify)]:  # fmt: skip
            tick(name, module.dispatch, rng)

        account, campaign = LinkedInAccount.objects.first(), Campaign.objects.first()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            connect.candidates(account, campaign, timezone.now())
            print(
                f"one candidate lookup: {(time.perf_counter() - started) * 1000:.1f} ms, {len(queries)} queries"
            )
        with connection.cursor() as cursor:
            for query in queries:
                plan = cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}").fetchall()
                print("plan:", " | ".join(row[-1] for row in plan))
        print(f"deal states: {DealState.objects.count():,}")


if __name__ == "__main__":
    main()
