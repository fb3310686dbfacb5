"""Migration 0008 gives every existing campaign a one-step sequence made of its follow-up template (an
LLM draft at acceptance, that template without an LLM: what it did before), then drops the column; going
back puts step 1's template into the column again.

Rows are written with 0007's historical models on a database migrated back to 0007; the test database is
migrated forward again whatever happens.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from openoutreach.pipeline.campaigns import create_campaign

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("outreach", "0007_conversation_contract")]
AFTER = [("outreach", "0008_sequences")]
CUSTOM = "Hello {{ first_name }}, see {{ booking_link }}"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0007(campaign):
    other = create_campaign("healthcare", "Nurse staffing", "Hospital HR leads")
    try:
        yield migrate(BEFORE), campaign, other
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_campaigns_get_a_one_step_sequence_from_their_template_and_back(at_0007):
    old_apps, custom, default = at_0007
    OldCampaign = old_apps.get_model("outreach", "Campaign")
    OldCampaign.objects.filter(pk=custom.pk).update(followup_template=CUSTOM)
    default_template = OldCampaign.objects.get(pk=default.pk).followup_template

    apps = migrate(AFTER)
    Step = apps.get_model("outreach", "SequenceStep")
    steps = {s.campaign_id: s for s in Step.objects.all()}
    assert set(steps) == {custom.pk, default.pk}  # exactly one step each
    for campaign_id, template in ((custom.pk, CUSTOM), (default.pk, default_template)):
        step = steps[campaign_id]
        assert (step.position, step.delay_days, step.kind, step.template) == (1, 0, "llm", template)
    assert not any(f.name == "followup_template" for f in apps.get_model("outreach", "Campaign")._meta.fields)

    Step.objects.filter(campaign_id=custom.pk).update(template="Edited {{ first_name }}")
    old_apps = migrate(BEFORE)
    assert old_apps.get_model("outreach", "Campaign").objects.get(pk=custom.pk).followup_template == (
        "Edited {{ first_name }}"
    )
