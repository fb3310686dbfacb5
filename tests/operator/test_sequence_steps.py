"""Sequence steps as the operator edits them: a template that does not render is refused when saved, a
new campaign has its one-step sequence, and a campaign saved in the admin without steps gets it back."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from openoutreach.operator.admin_forms import SequenceStepForm
from openoutreach.outreach.models import SequenceStep

pytestmark = pytest.mark.django_db


def form(template: str, **extra) -> SequenceStepForm:
    return SequenceStepForm(
        data={"position": 2, "delay_days": 4, "kind": "template", "template": template, **extra}
    )


def test_a_misspelt_variable_or_broken_syntax_is_refused_with_the_reason():
    misspelt = form("Hi {{ frist_name }}")
    assert not misspelt.is_valid()
    assert (
        "does not render" in misspelt.errors["template"][0] and "frist_name" in misspelt.errors["template"][0]
    )
    broken = form("Hi {% if booking_link %}")
    assert not broken.is_valid() and "does not render" in broken.errors["template"][0]
    assert form("Hi {{ first_name }}, {{ booking_link }}").is_valid()


def test_a_new_campaign_has_a_one_step_sequence(campaign):
    [step] = SequenceStep.objects.filter(campaign=campaign)
    assert (step.position, step.delay_days, step.kind) == (1, 0, SequenceStep.Kind.LLM)


def test_the_campaign_admin_edits_steps_inline_and_never_leaves_a_campaign_without_one(campaign):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    url = f"/admin/outreach/campaign/{campaign.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"steps-TOTAL_FORMS" in page.content
    [step] = SequenceStep.objects.filter(campaign=campaign)
    form_data = page.context["adminform"].form.initial
    data = {
        "name": campaign.name,
        **{k: v for k, v in form_data.items() if v is not None and k not in ("accounts",)},
        "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "1", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000",
        "steps-0-id": str(step.pk), "steps-0-campaign": str(campaign.pk), "steps-0-position": "1",
        "steps-0-delay_days": "0", "steps-0-kind": "template", "steps-0-template": "Hi {{ first_name }}",
        "steps-0-prompt": "", "steps-0-DELETE": "on",
        "steps-1-campaign": str(campaign.pk), "steps-1-position": "2", "steps-1-delay_days": "4",
        "steps-1-kind": "template", "steps-1-template": "Later, {{ first_name }}", "steps-1-prompt": "",
        "keywords-TOTAL_FORMS": "0", "keywords-INITIAL_FORMS": "0", "keywords-MIN_NUM_FORMS": "0",
        "keywords-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    steps = list(SequenceStep.objects.filter(campaign=campaign).order_by("position"))
    assert [(s.position, s.delay_days, s.template) for s in steps] == [(2, 4.0, "Later, {{ first_name }}")]

    data.update({"steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "1", "steps-0-id": str(steps[0].pk),
                 "steps-0-position": "2", "steps-0-delay_days": "4", "steps-0-DELETE": "on"})  # fmt: skip
    for key in [k for k in data if k.startswith("steps-1-")]:
        data.pop(key)
    assert client.post(url, data).status_code == 302
    [again] = SequenceStep.objects.filter(campaign=campaign)  # every step deleted: the default one is back
    assert again.position == 1
