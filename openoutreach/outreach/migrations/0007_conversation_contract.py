"""Conversations (issue 13), the shared part: the Replied stage, the "Invitation withdrawn" closing reason,
and the deal columns the inbox, the sequences and the withdrawal lane share (`replied_at`,
`sequence_step`, `next_message_at`). Existing campaign departments get the new stage (before Failed)
and closing reason; a deal already Completed counts as one sequence step sent.
"""

from django.db import migrations, models

# Frozen here: the runtime lists may change later.
REPLIED, FAILED = "Replied", "Failed"
WITHDRAWN = "Invitation withdrawn"


def forwards(apps, schema_editor):
    Campaign = apps.get_model("outreach", "Campaign")
    Stage = apps.get_model("crm", "Stage")
    ClosingReason = apps.get_model("crm", "ClosingReason")
    DealState = apps.get_model("outreach", "DealState")
    for campaign in Campaign.objects.all():
        dept = campaign.department_id
        if not Stage.objects.filter(department_id=dept).exists():
            continue  # set up on first use (crm_setup.ensure_department)
        Stage.objects.filter(department_id=dept, name=FAILED).update(index_number=6)
        Stage.objects.get_or_create(
            department_id=dept,
            name=REPLIED,
            defaults={"index_number": 5, "default": False, "success_stage": False},
        )
        if not ClosingReason.objects.filter(department_id=dept, name=WITHDRAWN).exists():
            last = ClosingReason.objects.filter(department_id=dept).order_by("-index_number").first()
            ClosingReason.objects.create(
                department_id=dept,
                name=WITHDRAWN,
                index_number=(last.index_number + 1) if last else 1,
                success_reason=False,
            )
    DealState.objects.filter(state="Completed").update(sequence_step=1)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_exactly_once"),
        ("crm", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dealstate",
            name="next_message_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="dealstate",
            name="replied_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="dealstate",
            name="sequence_step",
            field=models.PositiveSmallIntegerField(default=0, help_text="Sequence steps sent."),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
