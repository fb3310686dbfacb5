"""The marts count what the CRM holds: dbt over the real test database, checked against the ORM.

Each expectation is computed here in plain Python over ORM objects (a second, independent reading of the
same definitions), plus the scenario's own facts so that an empty or all-zero mart cannot pass.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import datetime, time

import pytest

from openoutreach.operator.funnel import STATES
from openoutreach.reporting.marts import read_mart

pytestmark = pytest.mark.django_db(transaction=True)

FUNNEL_STATES = STATES  # the same states, in the same order, as the admin's funnel


def expected_funnel(campaign) -> dict[str, int]:
    """Each person of the pool in exactly one state for this campaign, from the ORM."""
    from openoutreach.outreach.models import DealState, LinkedInProfile, Qualification

    deals = {ds.lead_id: ds.deal.stage.name for ds in DealState.objects.filter(campaign=campaign)}
    labels = {q.lead_id: q.label for q in Qualification.objects.filter(campaign=campaign)}
    counts = Counter()
    for stage in deals.values():
        counts["qualified" if stage == "New" else stage.lower()] += 1
    for lead_id, label in labels.items():
        if lead_id in deals:
            continue
        counts[{1: "qualified", 0: "disqualified", None: "needs_review"}[label]] += 1
    for profile in LinkedInProfile.objects.all():
        if profile.lead_id in deals or labels.get(profile.lead_id) is not None:
            continue
        if profile.unavailable_reason:
            counts["unavailable"] += 1
        else:
            counts["enriched" if profile.enriched_at else "discovered"] += 1
    return {state: counts[state] for state in (*FUNNEL_STATES, "needs_review", "unavailable")}


def test_funnel_per_campaign_equals_the_crm(scenario, build_analytics):
    result = build_analytics()
    assert result.success, result.summary()
    rows = {r["campaign_name"]: r for r in read_mart(result.analytics_db, "campaign_funnel")}
    assert set(rows) == {"devops", "fintech"}
    for campaign in (scenario.devops, scenario.fintech):
        row = rows[campaign.name]
        assert {k: row[k] for k in (*FUNNEL_STATES, "needs_review", "unavailable")} == expected_funnel(
            campaign
        )
    # the scenario's own facts (see conftest): people in every devops state
    devops = rows["devops"]
    assert [devops[s] for s in FUNNEL_STATES] == [2, 1, 2, 2, 1, 2, 1, 0, 2]
    assert (devops["needs_review"], devops["unavailable"]) == (1, 1)
    assert rows["fintech"]["qualified"] == 1 and rows["fintech"]["enriched"] == 10


def test_daily_actions_per_account_count_like_the_caps(scenario, build_analytics):
    """Local days in the account's time zone, ok outcomes against the day's (warm-up) cap; a day over
    its cap is flagged and warned about."""
    from openoutreach.outreach.models import ActionLog, LinkedInAccount
    from openoutreach.safety import caps

    result = build_analytics()
    assert result.success, result.summary()
    rows = read_mart(result.analytics_db, "account_daily_actions")

    expected_keys = set()
    for action in ActionLog.objects.exclude(account=None).select_related("account"):
        local = action.at.astimezone(zoneinfo.ZoneInfo(action.account.time_zone)).date()
        expected_keys.add((action.account_id, local, action.kind))
    assert {(r["account_id"], r["local_day"], r["kind"]) for r in rows} == expected_keys

    for row in rows:
        account = LinkedInAccount.objects.get(pk=row["account_id"])
        noon = datetime.combine(row["local_day"], time(12), tzinfo=zoneinfo.ZoneInfo(account.time_zone))
        since, until = caps.day_bounds(account, noon)
        in_day = ActionLog.objects.filter(account=account, kind=row["kind"], at__gte=since, at__lt=until)
        assert row["actions_ok"] == caps.count(account, row["kind"], since, until), row
        assert row["actions_not_ok"] == in_day.exclude(outcome="ok").count(), row
        if row["kind"] in ("connect", "follow_up", "enrich"):
            assert row["daily_cap"] == caps.daily_cap(account, row["kind"], noon), row
            assert row["over_cap"] == (row["actions_ok"] > row["daily_cap"]), row
        else:
            assert row["daily_cap"] is None and row["over_cap"] is False, row

    by_key = {(r["handle"], str(r["local_day"]), r["kind"]): r for r in rows}
    # alice's two invitations fell on two New York days (02:30 UTC is 22:30 the evening before) ...
    assert by_key["alice", "2025-06-01", "connect"]["actions_ok"] == 1
    assert by_key["alice", "2025-06-02", "connect"]["actions_ok"] == 1
    # ... on days 5 and 6 of her warm-up ramp: floor(20 * (0.2 + 0.8 * d / 14))
    assert by_key["alice", "2025-06-01", "connect"]["daily_cap"] == 9
    assert by_key["alice", "2025-06-02", "connect"]["daily_cap"] == 10
    # an already-connected person and a missing Connect button used no invitation
    assert by_key["alice", "2025-06-02", "connect"]["actions_not_ok"] == 2
    assert by_key["bob", "2025-06-02", "connect"]["over_cap"] is True
    # an overrun is a safety alert: the build warns (and still publishes the marts)
    assert [(n.name, n.failures) for n in result.warnings] == [("no_account_over_its_daily_cap", 1)]
    assert "no_account_over_its_daily_cap: 1 row(s)" in result.summary()


def test_llm_versus_automatic_decisions_per_campaign(scenario, build_analytics):
    from openoutreach.outreach.models import ActionLog, Qualification

    result = build_analytics()
    assert result.success, result.summary()
    rows = {r["campaign_name"]: r for r in read_mart(result.analytics_db, "campaign_decisions")}
    for campaign in (scenario.devops, scenario.fintech):
        labels = Qualification.objects.filter(campaign=campaign)
        row = rows[campaign.name]
        assert row["decisions"] == labels.count()
        assert row["by_llm"] == labels.filter(source="llm").count()
        assert row["automatic"] == labels.filter(source__in=["model", "rule"]).count()
        assert row["by_operator"] == labels.filter(source="operator").count()
        assert row["needs_review"] == labels.filter(label=None).count()
        llm = ActionLog.objects.filter(campaign=campaign, kind="llm")
        assert row["llm_calls"] == llm.count()
        assert row["llm_tokens"] == sum(a.tokens for a in llm)
    devops = rows["devops"]
    assert (devops["by_llm"], devops["automatic"], devops["llm_share"]) == (
        5,
        6,
        pytest.approx(5 / 11, abs=1e-3),
    )
    assert (devops["llm_calls"], devops["llm_tokens"]) == (3, 2000)
    assert rows["fintech"]["llm_share"] == 0
    assert (rows["fintech"]["llm_calls"], rows["fintech"]["llm_tokens"]) == (0, 0)

    daily = read_mart(result.analytics_db, "campaign_decisions_daily")
    assert sum(r["decisions"] for r in daily) == Qualification.objects.count()


def test_conversion_per_sequence_step_and_withdrawals_equal_the_crm(scenario, build_analytics):
    from openoutreach.outreach.models import DealState, SequenceStep
    from openoutreach.pipeline import stages, transitions

    devops = scenario.devops
    completed = DealState.objects.filter(campaign=devops, state=stages.COMPLETED).first()
    DealState.objects.filter(pk=completed.pk).update(replied_at=completed.created_at)  # as the inbox would
    pending = DealState.objects.filter(campaign=devops, state=stages.PENDING).first()
    transitions.mark_invitation_withdrawn(pending, pending.account, "stale")
    SequenceStep.objects.create(campaign=devops, position=2, delay_days=4, template="Hi {{ first_name }}")

    result = build_analytics()
    assert result.success, result.summary()
    steps = {
        (r["campaign_id"], r["step"]): r for r in read_mart(result.analytics_db, "campaign_sequence_steps")
    }
    for step in SequenceStep.objects.all():
        deals = DealState.objects.filter(campaign_id=step.campaign_id)
        sent = deals.filter(sequence_step__gte=step.position).count()
        replied = deals.filter(sequence_step=step.position, replied_at__isnull=False).count()
        row = steps.pop((step.campaign_id, step.position))
        assert (row["sent"], row["replied_after"]) == (sent, replied)
    assert steps == {}  # no row for a step that does not exist
    devops_1 = {r["step"]: r for r in read_mart(result.analytics_db, "campaign_sequence_steps")
                if r["campaign_id"] == devops.pk}  # fmt: skip
    assert devops_1[1]["sent"] >= 1 and devops_1[1]["replied_after"] == 1 and devops_1[2]["sent"] == 0

    withdrawals = {r["campaign_id"]: r for r in read_mart(result.analytics_db, "campaign_withdrawals")}
    assert withdrawals[devops.pk]["invitations_withdrawn"] == 1
    assert withdrawals[devops.pk]["deals_withdrawn"] == 1
    assert (
        withdrawals[devops.pk]["pending_now"]
        == DealState.objects.filter(campaign=devops, state=stages.PENDING).count()
    )
    assert withdrawals[scenario.fintech.pk]["invitations_withdrawn"] == 0
