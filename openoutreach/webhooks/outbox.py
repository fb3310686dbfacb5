"""`emit`: record an event in the outbox, in the caller's transaction, with a Delivery for every endpoint
that wants it; once that transaction commits, ask the `default` queue to send each one now.

Called from the state changes themselves (pipeline/transitions.py, outreach/account_health.py) so an event
exists if and only if its change committed. If the process dies after the commit and before the task is
queued, or the broker is down, beat's sweep (`webhooks.sweep`) finds the due delivery and sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction

from .events import EventType, test_ping
from .models import Delivery, Endpoint, OutboxEvent

log = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver"


def _campaign_id(campaign) -> int | None:
    return getattr(campaign, "pk", campaign)


def subscribers(event_type: str, campaign_id: int | None) -> list[Endpoint]:
    """The sending endpoints that want this event (a handful of rows: filtered in Python)."""
    found = []
    for endpoint in Endpoint.objects.filter(active=True, disabled_at__isnull=True).prefetch_related(
        "campaigns"
    ):
        if endpoint.wants(event_type, campaign_id, {c.pk for c in endpoint.campaigns.all()}):
            found.append(endpoint)
    return found


def emit(event_type: str, *, campaign=None, data: dict | Callable[[], dict]) -> OutboxEvent | None:
    """Record `event_type` with its `data` (built by events.py; a callable is called only when an endpoint
    wants the event) for every endpoint that wants it; None when no endpoint does (nothing is stored).
    Call it inside the transaction of the state change it reports."""
    event_type = EventType(event_type)  # a typo is an error, not an event nobody subscribes to
    campaign_id = _campaign_id(campaign)
    endpoints = subscribers(event_type, campaign_id)
    if not endpoints:
        return None
    return _record(event_type, campaign_id, data() if callable(data) else data, endpoints)


def send_test_ping(endpoint: Endpoint) -> OutboxEvent:
    """A `webhook.test` event to this endpoint only (whatever its subscriptions; attempted once)."""
    return _record(EventType.TEST, None, test_ping(endpoint), [endpoint])


def _record(event_type: str, campaign_id: int | None, data: dict, endpoints: list[Endpoint]) -> OutboxEvent:
    with transaction.atomic():
        event = OutboxEvent.objects.create(type=event_type, campaign_id=campaign_id, data=data)
        deliveries = [
            Delivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=event.created_at)
            for endpoint in endpoints
        ]
    transaction.on_commit(partial(schedule, [d.pk for d in deliveries]))
    return event


def schedule(delivery_ids: list[int], expires: float | None = None) -> int:
    """Queue one `webhooks.deliver` per delivery; a broker that cannot be reached is logged, not raised:
    the deliveries are in the database and the sweep sends them."""
    from openoutreach.celery import app

    queued = 0
    for delivery_id in delivery_ids:
        try:
            app.send_task(DELIVER_TASK, args=[delivery_id], expires=expires)
            queued += 1
        except Exception as exc:  # any broker failure: the sweep is the fallback
            # the class only: a broker error's text can carry the broker URL
            log.warning(
                "webhook delivery %s not queued (%s): the sweep will send it", delivery_id, type(exc).__name__
            )
    return queued
