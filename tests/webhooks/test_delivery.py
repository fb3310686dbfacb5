"""Sending a delivery to a real HTTP receiver on loopback: Standard Webhooks signature (checked with the
README's snippet), retries with the same id and a growing wait, abandoning, redirects, disabling an
endpoint that keeps failing, and re-enabling it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from openoutreach.webhooks import delivery, outbox
from openoutreach.webhooks.events import EventType
from openoutreach.webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db


def emit_one(n: int = 0):
    event = outbox.emit(EventType.ACCOUNT_PAUSED, data={"account": {"handle": "alice"}, "lane": None,
                        "reason": f"pause {n}", "until": None})  # fmt: skip
    return event.deliveries.get()


def test_a_delivery_carries_a_valid_standard_webhooks_signature(receiver, make_endpoint, readme_verify):
    _, secret = make_endpoint(receiver.url)
    sent = emit_one()
    assert delivery.attempt(sent.pk).result == "delivered"

    (request,) = receiver.wait_for(1)
    assert request.headers["webhook-id"] == sent.event.event_id
    assert request.headers["content-type"] == "application/json"
    assert request.payload == sent.event.envelope()
    assert readme_verify(secret, request.headers, request.body)
    # the snippet can say no: another body, another secret, an old timestamp
    assert not readme_verify(secret, request.headers, request.body.replace(b"pause", b"PAUSE"))
    _, other_secret = make_endpoint(receiver.url, name="other")
    assert not readme_verify(other_secret, request.headers, request.body)
    old = {**request.headers, "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 3600)}
    assert not readme_verify(secret, old, request.body)

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.attempt(sent.pk).result == "skipped"  # delivered: never sent again
    assert len(receiver.requests) == 1


@override_settings(WEBHOOK_RETRY_START_SECONDS=30, WEBHOOK_RETRY_MAX_SECONDS=100, WEBHOOK_MAX_ATTEMPTS=4)
def test_a_failed_attempt_is_retried_later_with_the_same_id_then_abandoned(receiver, make_endpoint):
    make_endpoint(receiver.url)
    receiver.default_status = 500
    sent = emit_one()
    waits = []
    for number in range(1, 5):
        before = timezone.now()
        assert delivery.attempt(sent.pk).result == ("abandoned" if number == 4 else "failed")
        assert delivery.attempt(sent.pk).result == "skipped"  # not due before its time
        sent.refresh_from_db()
        if number < 4:
            waits.append(round((sent.next_attempt_at - before).total_seconds() / 10) * 10)
            Delivery.objects.filter(pk=sent.pk).update(next_attempt_at=timezone.now())  # time passes
    assert waits == [30, 60, 100]  # doubling, capped
    assert sent.status == DeliveryStatus.ABANDONED and sent.next_attempt_at is None
    assert {r.headers["webhook-id"] for r in receiver.requests} == {sent.event.event_id}
    assert len({r.body for r in receiver.requests}) == 1  # the same body every time
    log = list(sent.attempt_log.values_list("number", "status_code", "error"))
    assert log == [(n, 500, "HTTP 500") for n in range(1, 5)]

    # an operator's "retry now" after the receiver is fixed
    receiver.default_status = 200
    assert delivery.retry_now(Delivery.objects.filter(pk=sent.pk)) == 1
    assert delivery.attempt(sent.pk).result == "delivered"


def test_redirects_to_another_host_are_not_followed(receiver, make_endpoint):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    target = receiver.url.replace("127.0.0.1", "localhost")  # same port, another host

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(307)
            self.send_header("location", target)
            self.end_headers()

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_endpoint(f"http://127.0.0.1:{server.server_address[1]}/")
        outcome = delivery.attempt(emit_one().pk)
    finally:
        server.shutdown()
        server.server_close()
    assert outcome.result == "failed" and "another host" in outcome.error
    assert receiver.requests == []


@override_settings(WEBHOOK_TIMEOUT_SECONDS=1)
def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(receiver, make_endpoint):
    make_endpoint(receiver.url)
    receiver.hold = True
    outcome = delivery.attempt(emit_one().pk)
    receiver.release.set()
    assert outcome.result == "failed" and outcome.error == "timed out after 1 s"
    assert receiver.url not in json.dumps(outcome.as_dict())


@override_settings(WEBHOOK_DISABLE_AFTER_FAILURES=3, WEBHOOK_DISABLE_AFTER_HOURS=1)
def test_an_endpoint_that_keeps_failing_is_disabled_and_the_admin_says_why(receiver, make_endpoint, operator):
    endpoint, _ = make_endpoint(receiver.url, name="flaky crm")
    receiver.default_status = 503
    deliveries = [emit_one(n) for n in range(4)]
    for sent in deliveries[:3]:
        delivery.attempt(sent.pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3 and endpoint.disabled_at is None  # failing for minutes only

    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=2))
    delivery.attempt(deliveries[3].pk)
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert "4 failed attempts in a row" in endpoint.disabled_reason and "HTTP 503" in endpoint.disabled_reason

    # disabled: nothing more is sent or recorded for it
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert delivery.attempt(deliveries[0].pk).result == "skipped"
    assert outbox.emit(EventType.ACCOUNT_PAUSED, data={}) is None
    assert len(receiver.requests) == 4

    page = operator.get("/admin/webhooks/endpoint/").content.decode()
    assert "Disabled since" in page and "4 failed attempts in a row" in page

    receiver.default_status = 200
    response = operator.post(
        "/admin/webhooks/endpoint/", {"action": "reenable", "_selected_action": [endpoint.pk]}, follow=True
    )
    assert "re-enabled; 4 deliveries due again" in response.content.decode()
    assert {delivery.attempt(d.pk).result for d in deliveries} == {"delivered"}
    endpoint.refresh_from_db()
    assert (endpoint.disabled_at, endpoint.consecutive_failures, endpoint.failing_since) == (None, 0, None)
