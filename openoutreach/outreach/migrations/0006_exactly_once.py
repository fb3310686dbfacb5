"""Exactly once by construction (issue 12).

- `PersonClaim`: the person-level lock of outward actions (unique lead). Existing deals that contacted
  their person (Pending, Connected, Completed, or with `contacted_at`) bind the person to that deal, the
  earliest contact first, so no other campaign contacts them after the upgrade.
- `DealState.outward`: the two-phase SENDING column. A deal whose `last_error` held the old sending mark
  ("follow-up sending") becomes SENDING, so the next task reads the live state instead of typing again.
- `LanePause` replaces `LinkedInAccount.connect_paused_until` (weekly limit) and `enrich_paused_until`
  (throttle): a pause still running is carried over with its reason.
- New accounts start their warm-up the day they are added (`warmup_started_on` defaults to today).
"""

import django.db.models.deletion
import django.utils.timezone
import openoutreach.outreach.models
from django.db import migrations, models


OLD_SENDING_MARK = "follow-up sending"  # frozen here: the runtime code no longer knows it
CONTACTED = ("Pending", "Connected", "Completed")


def forwards(apps, schema_editor):
    DealState = apps.get_model("outreach", "DealState")
    PersonClaim = apps.get_model("outreach", "PersonClaim")
    LanePause = apps.get_model("outreach", "LanePause")
    LinkedInAccount = apps.get_model("outreach", "LinkedInAccount")
    DealState.objects.filter(last_error=OLD_SENDING_MARK).update(outward="sending", last_error="")
    contacted = DealState.objects.filter(
        models.Q(state__in=CONTACTED) | models.Q(contacted_at__isnull=False) | models.Q(outward="sending")
    ).order_by("contacted_at", "id")
    bound = set()
    for ds in contacted.iterator():
        if ds.lead_id in bound:
            continue
        bound.add(ds.lead_id)
        PersonClaim.objects.create(
            lead_id=ds.lead_id, deal_state_id=ds.pk, account_id=ds.account_id,
            contacted_at=ds.contacted_at or ds.created_at, sending=ds.outward == "sending",
        )  # fmt: skip
    for account in LinkedInAccount.objects.all():
        for lane, reason, until in (
            ("connect", "weekly_limit", account.connect_paused_until),
            ("enrich", "throttled", account.enrich_paused_until),
        ):
            if until is not None:
                LanePause.objects.create(account=account, lane=lane, reason=reason, until=until)


def backwards(apps, schema_editor):
    DealState = apps.get_model("outreach", "DealState")
    LanePause = apps.get_model("outreach", "LanePause")
    LinkedInAccount = apps.get_model("outreach", "LinkedInAccount")
    DealState.objects.filter(outward="sending").update(last_error=OLD_SENDING_MARK)
    for pause in LanePause.objects.filter(until__isnull=False, lane__in=("connect", "enrich")):
        field = "connect_paused_until" if pause.lane == "connect" else "enrich_paused_until"
        LinkedInAccount.objects.filter(pk=pause.account_id).update(**{field: pause.until})


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_request_case"),
        ("outreach", "0005_capture_breaker"),
    ]

    operations = [
        migrations.AddField(
            model_name="dealstate",
            name="outward",
            field=models.CharField(
                blank=True,
                choices=[("", "idle"), ("sending", "sending (delivery not yet known)")],
                default="",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="linkedinaccount",
            name="warmup_started_on",
            field=models.DateField(
                blank=True,
                default=openoutreach.outreach.models.warmup_starts_today,
                help_text="The warm-up ramp starts this day (new accounts: the day they are added). Empty = the account is already warm: full caps at once.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="PersonClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("task_id", models.CharField(blank=True, default="", max_length=64)),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                (
                    "sending",
                    models.BooleanField(
                        default=False,
                        help_text="Mid-send (a copy of the deal's SENDING phase): nobody else may take it.",
                    ),
                ),
                (
                    "contacted_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="An outward action reached the person (or may have) through this deal.",
                        null=True,
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="outreach.linkedinaccount",
                    ),
                ),
                (
                    "deal_state",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="outreach.dealstate"
                    ),
                ),
                (
                    "lead",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="person_claim",
                        to="crm.lead",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="LanePause",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lane",
                    models.CharField(
                        choices=[
                            ("connect", "connect"),
                            ("check_pending", "check pending"),
                            ("follow_up", "follow up"),
                            ("enrich", "enrich"),
                            ("search", "search"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("page_changed", "LinkedIn's page may have changed: see captures"),
                            ("weekly_limit", "LinkedIn's weekly invitation limit was reached"),
                            ("throttled", "LinkedIn throttled this account (HTTP 429/999)"),
                            ("operator", "Paused by the operator"),
                        ],
                        max_length=20,
                    ),
                ),
                ("detail", models.TextField(blank=True, default="")),
                ("since", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "until",
                    models.DateTimeField(
                        blank=True, help_text="Empty = until resumed in the admin.", null=True
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lane_pauses",
                        to="outreach.linkedinaccount",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("account", "lane"), name="uniq_lane_pause")],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="linkedinaccount",
            name="connect_paused_until",
        ),
        migrations.RemoveField(
            model_name="linkedinaccount",
            name="enrich_paused_until",
        ),
    ]
