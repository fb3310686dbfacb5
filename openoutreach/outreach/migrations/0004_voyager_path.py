"""Where each account reads Voyager profiles: REST until LinkedIn retires it for the account, then GraphQL.

The browser worker's Voyager client moves an account when the REST profile endpoint answers 410 Gone or a
shape the parser cannot read; the move is saved here so a restarted worker starts on the right path, and
the admin shows when it happened. Existing accounts stay on REST (the default), as they are today.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0003_llm_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="linkedinaccount",
            name="voyager_path",
            field=models.CharField(
                choices=[
                    ("rest", "REST (identity/dash/profiles)"),
                    ("graphql", "GraphQL (voyagerIdentityDashProfiles)"),
                ],
                default="rest",
                help_text="Where this account reads Voyager profiles; moves to GraphQL by itself when REST is retired.",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="linkedinaccount",
            name="voyager_switched_at",
            field=models.DateTimeField(
                blank=True, help_text="When the browser worker moved this account to the GraphQL path.", null=True
            ),
        ),
    ]
