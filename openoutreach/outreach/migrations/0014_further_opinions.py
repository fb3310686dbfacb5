"""Qualification.further: the further opinions the second look asked (posterior mode)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0013_enrich_claim_task"),
    ]

    operations = [
        migrations.AddField(
            model_name="qualification",
            name="further",
            field=models.JSONField(
                blank=True, default=list, help_text="Further opinions asked by the second look, in order."
            ),
        ),
    ]
