from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0012_search_claim"),
    ]

    operations = [
        migrations.AddField(
            model_name="linkedinprofile",
            name="enrich_claim_task_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
