"""Webhook deliveries on `default` (see workers/queues.py): `webhooks.deliver` sends one delivery now
(queued when an event's transaction commits), `webhooks.sweep` queues every due one (beat, every
WEBHOOK_SWEEP_SECONDS: retries, and deliveries whose task was lost). The rules: openoutreach/webhooks/
delivery.py and docs/webhooks.md."""

from __future__ import annotations

from celery import shared_task

from openoutreach.webhooks import delivery


@shared_task(name="webhooks.deliver")
def deliver(delivery_id: int) -> dict:
    """One signed POST of one delivery, if it is still due and no other attempt holds it."""
    return delivery.attempt(delivery_id).as_dict()


@shared_task(name="webhooks.sweep")
def sweep() -> dict:
    """Queue a delivery task for every delivery that is due (first tries whose task was lost, retries)."""
    return {"queued": len(delivery.sweep())}
