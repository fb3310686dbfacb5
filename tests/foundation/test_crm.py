"""The CRM migrates on SQLite, setup_crm is idempotent, and the admin serves its pages."""

from __future__ import annotations

import pytest
from crm.models import ClosingReason, Country, LeadSource, Stage
from django.contrib.auth.models import Group
from django.core.management import call_command

from openoutreach.pipeline import stages


def _counts() -> dict[str, int]:
    return {
        "groups": Group.objects.count(),
        "stages": Stage.objects.count(),
        "reasons": ClosingReason.objects.count(),
        "sources": LeadSource.objects.count(),
        "countries": Country.objects.count(),
    }


def test_setup_crm_twice_leaves_the_same_rows(campaign):
    call_command("setup_crm", verbosity=0)
    first = _counts()
    call_command("setup_crm", verbosity=0)
    assert _counts() == first
    assert list(Stage.objects.filter(department=campaign.department).values_list("name", flat=True)) == [
        name for name, *_ in stages.STAGES
    ]
    assert Group.objects.filter(name="co-workers").exists()
    assert first["countries"] > 100


def test_the_login_page_answers(client, workspace):
    assert client.get("/crm/login/").status_code == 200
    # Anonymous visitors of /admin/ are sent to the CRM login rather than shown the admin.
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/admin/crm/lead/", "/admin/crm/deal/", "/admin/outreach/campaign/", "/admin/outreach/linkedinaccount/"],
)
def test_an_admin_opens_the_main_lists(client, django_user_model, alice, path):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    if "linkedinaccount" in path:
        assert b"alice" in response.content
        assert b"alice-pass" not in response.content
