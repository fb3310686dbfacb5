"""Sequences and stale-invitation withdrawal (issue 13, points 3 and 4).

- `SequenceStep`: a campaign's ordered messages after acceptance. Every existing campaign gets a
  one-step sequence from its `followup_template` (an LLM draft when an LLM is configured, that template
  otherwise: what the campaign did before), then `Campaign.followup_template` is removed: the steps
  are the one place a message template lives. Going back copies step 1's template into the column.
- Withdrawal: `Campaign.withdraw_after_days` (21) and `reinvite_after_withdrawal` (off),
  `LinkedInAccount.withdraw_daily_limit`, `DealState.withdrawn_at` / `withdrawals`, the `withdraw`
  lane and ActionLog kind.
"""

import django.core.validators
import django.db.models.deletion
import openoutreach.outreach.models
from django.db import migrations, models

def one_step_sequences(apps, schema_editor):
    Campaign = apps.get_model("outreach", "Campaign")
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    for campaign in Campaign.objects.all():
        if not SequenceStep.objects.filter(campaign_id=campaign.pk).exists():
            SequenceStep.objects.create(
                campaign_id=campaign.pk, position=1, delay_days=0, kind="llm", template=campaign.followup_template
            )


def templates_back(apps, schema_editor):
    Campaign = apps.get_model("outreach", "Campaign")
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    for campaign in Campaign.objects.all():
        first = SequenceStep.objects.filter(campaign_id=campaign.pk).order_by("position").first()
        if first is not None:
            Campaign.objects.filter(pk=campaign.pk).update(followup_template=first.template)


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0007_conversation_contract'),
    ]

    operations = [
        migrations.CreateModel(
            name='SequenceStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)])),
                ('delay_days', models.FloatField(default=0.0, help_text='Days after the previous step (step 1: after the acceptance) before this one may go.', validators=[django.core.validators.MinValueValidator(0.0)])),
                ('kind', models.CharField(choices=[('template', 'Template'), ('llm', 'LLM draft (template when no LLM is available)')], default='template', max_length=10)),
                ('template', models.TextField(default="Hi {{ first_name }}, thanks for connecting! {{ product_pitch }}{% if booking_link %} If it's useful, you can pick a time here: {{ booking_link }}{% endif %}", help_text='Jinja2: {{ first_name }}, {{ last_name }}, {{ full_name }}, {{ headline }}, {{ company }}, {{ location }}, {{ booking_link }}, {{ product_pitch }}, {{ campaign }}. LLM steps fall back to it.')),
                ('prompt', models.TextField(blank=True, default='', help_text="LLM steps: what this message should do (e.g. 'a short reminder with one new angle').")),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='outreach.campaign')),
            ],
            options={
                'verbose_name': 'sequence step',
                'ordering': ['campaign', 'position'],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'position'), name='uniq_sequence_step_position')],
            },
        ),
        migrations.RunPython(one_step_sequences, templates_back),
        migrations.RemoveField(
            model_name='campaign',
            name='followup_template',
        ),
        migrations.AddField(
            model_name='campaign',
            name='reinvite_after_withdrawal',
            field=models.BooleanField(default=False, help_text="Invite a person again once LinkedIn's three-week block after a withdrawal is over."),
        ),
        migrations.AddField(
            model_name='campaign',
            name='withdraw_after_days',
            field=models.PositiveSmallIntegerField(default=21, help_text='Withdraw an invitation still pending after this many days (0 = never withdraw).'),
        ),
        migrations.AddField(
            model_name='dealstate',
            name='withdrawals',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dealstate',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='linkedinaccount',
            name='withdraw_daily_limit',
            field=models.PositiveIntegerField(default=openoutreach.outreach.models.default_withdraw_daily_limit, help_text='Stale invitations withdrawn per day at most.'),
        ),
        migrations.AlterField(
            model_name='actionlog',
            name='kind',
            field=models.CharField(choices=[('login', 'Login'), ('enrich', 'Enrich'), ('search', 'Search'), ('connect', 'Connect'), ('check_pending', 'Check Pending'), ('follow_up', 'Follow Up'), ('withdraw', 'Withdraw'), ('qualify', 'Qualify'), ('llm', 'Llm')], max_length=20),
        ),
        migrations.AlterField(
            model_name='lanepause',
            name='lane',
            field=models.CharField(choices=[('connect', 'connect'), ('check_pending', 'check pending'), ('follow_up', 'follow up'), ('enrich', 'enrich'), ('search', 'search'), ('withdraw', 'withdraw stale invitations')], max_length=20),
        ),
    ]
