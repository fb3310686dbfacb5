"""Webhooks on real processes: a real Celery worker on `default`, beat's sweep, the private Redis, the
test database, and a real HTTP receiver on loopback. Each event reaches the receiver once, signed (checked
with the README's snippet); a 500 is retried with the same id; an event survives the death of the
process that changed the state before it queued the delivery, and of the worker in the middle of it."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from django.utils import timezone

from openoutreach.celery import app
from openoutreach.pipeline import stages, transitions
from openoutreach.processes import PROJECT_DIR, wait_until
from openoutreach.webhooks.events import EventType
from openoutreach.webhooks.models import Delivery, DeliveryStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Short waits for the test; beat's lane ticks pushed out of the way (this is not a lane test).
FAST = {
    "WEBHOOK_RETRY_START_SECONDS": "1",
    "WEBHOOK_SWEEP_SECONDS": "1",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "LANE_TICK_SECONDS": "3600",
}


def start_beat(start_celery, tmp_path):
    return start_celery("beat", "beat", "-s", str(tmp_path / "beat-schedule"), "-l", "INFO", env_extra=FAST)


def all_delivered(count: int) -> bool:
    return Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == count


def nothing_left_to_send() -> None:
    """A sweep run by the worker finds nothing due (so no second copy is on its way)."""
    assert app.send_task("webhooks.sweep").get(timeout=120) == {"queued": 0}


def check_signed(requests, secret, readme_verify, schema_validator) -> None:
    for request in requests:
        assert readme_verify(secret, request.headers, request.body), request.headers
        assert not list(schema_validator.iter_errors(request.payload))
        assert request.headers["webhook-id"] == request.payload["id"]


def test_each_event_reaches_the_receiver_once_with_a_valid_signature(
    start_worker, redis_client, receiver, make_endpoint, make_deal, alice, readme_verify, schema_validator
):
    _, secret = make_endpoint(receiver.url)
    worker = start_worker(["default"], "default", env_extra=FAST)

    ds = transitions.mark_pending(make_deal("once-1"), alice, first_check_hours=24)
    transitions.mark_connected(ds, alice)

    requests = receiver.wait_for(2)
    wait_until(lambda: all_delivered(2), 60, what="both deliveries recorded")
    nothing_left_to_send()
    assert len(receiver.requests) == 2
    assert sorted(r.payload["type"] for r in requests) == [
        EventType.INVITATION_ACCEPTED,
        EventType.INVITATION_SENT,
    ]
    assert len({r.headers["webhook-id"] for r in requests}) == 2
    check_signed(requests, secret, readme_verify, schema_validator)
    worker_log = worker.log_path.read_text()
    assert "webhooks.deliver" in worker_log and secret.removeprefix("whsec_") not in worker_log


def test_after_a_500_the_event_is_retried_with_the_same_id(
    start_worker, start_celery, tmp_path, redis_client, receiver, make_endpoint, make_deal, alice,
    readme_verify, schema_validator,
):  # fmt: skip
    _, secret = make_endpoint(receiver.url)
    receiver.plan = [500]
    start_worker(["default"], "default", env_extra=FAST)
    start_beat(start_celery, tmp_path)

    transitions.mark_pending(make_deal("retry-1"), alice, first_check_hours=24)

    first, second = receiver.wait_for(2, timeout=120)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    check_signed([first, second], secret, readme_verify, schema_validator)
    wait_until(lambda: all_delivered(1), 60, what="the retry recorded")
    sent = Delivery.objects.get()
    assert list(sent.attempt_log.values_list("number", "status_code")) == [(1, 500), (2, 200)]


CHANGE_THEN_DIE = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from openoutreach.outreach.models import DealState, LinkedInAccount
from openoutreach.pipeline import transitions

ds = DealState.objects.get(pk=int(sys.argv[1]))
with transaction.atomic():
    # registered before the move's own hook: the process dies right after the commit, before the
    # delivery task is queued
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    transitions.mark_pending(ds, LinkedInAccount.objects.get(handle="alice"), 24)
"""


def test_an_event_is_not_lost_when_its_process_dies_after_the_state_change(
    start_worker, start_celery, tmp_path, process_env, redis_client, receiver, make_endpoint, make_deal,
    alice, readme_verify, schema_validator,
):  # fmt: skip
    _, secret = make_endpoint(receiver.url)
    ds = make_deal("killed-1")
    died = subprocess.run(
        [sys.executable, "-c", CHANGE_THEN_DIE, str(ds.pk)], env=process_env, cwd=PROJECT_DIR, timeout=180
    )
    assert died.returncode == -signal.SIGKILL
    ds.refresh_from_db()
    assert ds.state == stages.PENDING  # the change committed ...
    assert Delivery.objects.get().status == DeliveryStatus.PENDING  # ... with its event
    assert redis_client.llen("default") == 0  # ... and no task was queued for it

    start_worker(["default"], "default", env_extra=FAST)
    start_beat(start_celery, tmp_path)
    (request,) = receiver.wait_for(1, timeout=120)
    wait_until(lambda: all_delivered(1), 60, what="the swept delivery recorded")
    nothing_left_to_send()
    assert len(receiver.requests) == 1
    assert request.payload["type"] == EventType.INVITATION_SENT
    check_signed([request], secret, readme_verify, schema_validator)


def test_a_worker_killed_during_the_request_leaves_the_delivery_to_the_sweep(
    start_worker, start_celery, tmp_path, redis_client, receiver, make_endpoint, make_deal, alice,
    readme_verify, schema_validator,
):  # fmt: skip
    _, secret = make_endpoint(receiver.url)
    receiver.hold = True  # the first request hangs in the receiver
    first_worker = start_worker(["default"], "default", env_extra=FAST)
    transitions.mark_pending(make_deal("killed-2"), alice, first_check_hours=24)
    receiver.wait_for(1)

    first_worker.kill()  # kill -9, mid-request
    held = Delivery.objects.get()
    assert held.status == DeliveryStatus.PENDING and held.claimed_until > timezone.now()
    receiver.hold = False
    receiver.release.set()

    start_worker(["default"], "default-2", env_extra=FAST)
    start_beat(start_celery, tmp_path)
    first, second = receiver.wait_for(2, timeout=180)  # after the dead worker's lease lapses
    wait_until(lambda: all_delivered(1), 60, what="the delivery recorded")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == held.event.event_id
    check_signed([first, second], secret, readme_verify, schema_validator)
