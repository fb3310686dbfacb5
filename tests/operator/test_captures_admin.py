"""The admin links a failure capture from its ActionLog row and serves it sandboxed, only from the
captures folder."""

from __future__ import annotations

from django.conf import settings

from openoutreach.outreach.models import ActionLog


def test_an_admin_opens_a_capture_linked_from_the_audit_trail(client, django_user_model, alice, tmp_path):
    folder = settings.CAPTURES_DIR / alice.handle
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "20261202-101500-001-connect-no-connect-control.html"
    page.write_text("<html><body><h2>Dana</h2></body></html>")
    page.with_suffix(".png").write_bytes(b"\x89PNG\r\n\x1a\n")
    row = ActionLog.objects.create(
        account=alice, kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.NOT_FOUND, capture=str(page)
    )
    outside = tmp_path / "elsewhere.html"
    outside.write_text("<p>not a capture</p>")
    stray = ActionLog.objects.create(
        account=alice, kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.NOT_FOUND, capture=str(outside)
    )
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")

    assert client.get(f"/admin/outreach/actionlog/{row.pk}/capture.html").status_code == 302  # login first
    client.force_login(admin)
    listing = client.get("/admin/outreach/actionlog/")
    assert f"/admin/outreach/actionlog/{row.pk}/capture.html".encode() in listing.content

    shown = client.get(f"/admin/outreach/actionlog/{row.pk}/capture.html")
    assert shown.status_code == 200 and b"Dana" in shown.content
    assert shown["Content-Security-Policy"].startswith("sandbox")
    assert client.get(f"/admin/outreach/actionlog/{row.pk}/capture.png")["Content-Type"] == "image/png"
    assert client.get(f"/admin/outreach/actionlog/{stray.pk}/capture.html").status_code == 404
    assert client.get(f"/admin/outreach/actionlog/{row.pk}/capture.exe").status_code == 404
