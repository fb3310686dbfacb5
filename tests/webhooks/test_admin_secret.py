"""The endpoint's secret: generated and shown once, stored encrypted, never rendered again, never logged;
the admin's test ping and the read-only delivery log."""

from __future__ import annotations

import html
import logging
import re

import pytest

from openoutreach.outreach import crypto
from openoutreach.webhooks import delivery, signing
from openoutreach.webhooks.events import EventType
from openoutreach.webhooks.models import Delivery, Endpoint, OutboxEvent

pytestmark = pytest.mark.django_db


def add_endpoint(operator, url: str, **extra) -> tuple[Endpoint, str]:
    response = operator.post(
        "/admin/webhooks/endpoint/add/",
        {"name": "crm sync", "url": url, "events": [EventType.INVITATION_SENT, EventType.DEAL_FAILED],
         "active": "on", "secret": "", **extra},
    )  # fmt: skip
    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    shown = re.search(r'<code id="webhook-secret"[^>]*>(whsec_[^<]+)</code>', page)
    assert shown, page[:2000]
    return Endpoint.objects.get(name="crm sync"), shown.group(1)


def test_the_secret_is_shown_once_encrypted_at_rest_and_never_logged(
    operator, receiver, readme_verify, caplog
):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    endpoint, secret = add_endpoint(operator, receiver.url)
    signing.key_of(secret)  # a well-formed Standard Webhooks secret

    # at rest: only the Fernet token, which opens with the credentials key
    raw = Endpoint.objects.filter(pk=endpoint.pk).values_list("secret_encrypted", flat=True).get()
    key_part = secret.removeprefix("whsec_")
    assert secret not in raw and key_part not in raw
    assert crypto.decrypt(raw) == secret

    # never rendered again: the change page, the list
    for path in (f"/admin/webhooks/endpoint/{endpoint.pk}/change/", "/admin/webhooks/endpoint/"):
        page = operator.get(path).content.decode()
        assert key_part not in page

    # saving the form without a secret keeps it; "Generate a new secret" replaces it (shown once again)
    form = {"name": "crm sync", "url": receiver.url, "events": [EventType.INVITATION_SENT], "active": "on"}
    kept = operator.post(f"/admin/webhooks/endpoint/{endpoint.pk}/change/", {**form, "secret": ""})
    assert kept.status_code == 302 and Endpoint.objects.get(pk=endpoint.pk).secret == secret
    renewed = operator.post(
        f"/admin/webhooks/endpoint/{endpoint.pk}/change/", {**form, "secret": "", "new_secret": "on"}
    )
    new_secret = re.search(r"(whsec_[A-Za-z0-9+/=]+)", renewed.content.decode()).group(1)
    assert new_secret != secret and Endpoint.objects.get(pk=endpoint.pk).secret == new_secret

    # the test ping, signed with the current secret; the secret in no log record of the whole test
    operator.post(
        "/admin/webhooks/endpoint/", {"action": "send_test_ping", "_selected_action": [endpoint.pk]}
    )
    ping = Delivery.objects.get(event__type=EventType.TEST)
    assert delivery.attempt(ping.pk).result == "delivered"
    (request,) = receiver.wait_for(1)
    assert request.payload["type"] == "webhook.test"
    assert readme_verify(new_secret, request.headers, request.body)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "webhook" in logged  # the delivery was logged ...
    for value in (secret, new_secret):
        assert value not in logged and value.removeprefix("whsec_") not in logged  # ... its secret was not


def test_a_pasted_secret_must_be_a_standard_webhooks_secret(operator, receiver):
    form = {"name": "mine", "url": receiver.url, "events": [EventType.INVITATION_SENT], "active": "on"}
    refused = operator.post("/admin/webhooks/endpoint/add/", {**form, "secret": "hunter2"})
    assert refused.status_code == 200 and "starts with" in refused.content.decode()
    wrong_url = operator.post("/admin/webhooks/endpoint/add/", {**form, "url": "ftp://example.com/x"})
    assert "Only http:// and https://" in wrong_url.content.decode() or "Enter a valid URL" in (
        wrong_url.content.decode()
    )
    assert not Endpoint.objects.exists()

    mine = signing.generate_secret()
    saved = operator.post("/admin/webhooks/endpoint/add/", {**form, "secret": mine})
    assert saved.status_code == 302  # nothing generated: no secret page
    assert Endpoint.objects.get().secret == mine


def test_the_delivery_log_is_read_only_and_lists_every_attempt(operator, receiver, make_endpoint):
    from openoutreach.webhooks import outbox

    make_endpoint(receiver.url)
    receiver.plan = [500]
    event = outbox.emit(EventType.ACCOUNT_PAUSED, data={"account": {"handle": "alice"}, "lane": None,
                        "reason": "operator", "until": None})  # fmt: skip
    sent = event.deliveries.get()
    delivery.attempt(sent.pk)
    Delivery.objects.filter(pk=sent.pk).update(next_attempt_at=event.created_at)
    delivery.attempt(sent.pk)

    listing = operator.get("/admin/webhooks/delivery/").content.decode()
    assert event.event_id in listing and "Delivered" in listing
    detail = html.unescape(operator.get(f"/admin/webhooks/delivery/{sent.pk}/change/").content.decode())
    assert "HTTP 500" in detail and "receiver says no" in detail and '"type": "account.paused"' in detail
    assert 'name="_save"' not in detail  # read-only
    assert operator.get("/admin/webhooks/delivery/add/").status_code == 403
    assert operator.get(f"/admin/webhooks/outboxevent/{event.pk}/change/").status_code == 200
    assert OutboxEvent.objects.count() == 1
