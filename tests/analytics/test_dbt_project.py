"""The dbt project's accepted values are the Django choices: a new ActionLog kind or deal stage must be
added to analytics/models/staging/_staging.yml in the same change, or this fails."""

from __future__ import annotations

from pathlib import Path

import yaml

STAGING = Path(__file__).resolve().parents[2] / "analytics" / "models" / "staging" / "_staging.yml"


def accepted_values(model: str, column: str) -> list:
    spec = yaml.safe_load(STAGING.read_text())
    (m,) = [m for m in spec["models"] if m["name"] == model]
    (c,) = [c for c in m["columns"] if c["name"] == column]
    (test,) = [
        t["accepted_values"] for t in c["data_tests"] if isinstance(t, dict) and "accepted_values" in t
    ]
    return test["arguments"]["values"]


def test_accepted_values_follow_the_django_choices():
    from openoutreach.outreach.models import ActionLog, LinkedInAccount, Qualification
    from openoutreach.pipeline import stages

    assert sorted(accepted_values("stg_actions", "kind")) == sorted(ActionLog.Kind.values)
    assert sorted(accepted_values("stg_actions", "outcome")) == sorted(ActionLog.Outcome.values)
    assert sorted(accepted_values("stg_qualifications", "source")) == sorted(Qualification.Source.values)
    assert sorted(accepted_values("stg_qualifications", "audit")) == sorted(Qualification.Audit.values)
    assert sorted(accepted_values("stg_accounts", "status")) == sorted(LinkedInAccount.Status.values)
    assert sorted(accepted_values("stg_deal_states", "state")) == sorted(name for name, *_ in stages.STAGES)
