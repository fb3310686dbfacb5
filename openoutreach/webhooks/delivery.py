"""Sending a delivery: one signed POST per attempt, with a timeout, no redirect to another origin, the
same event id on every attempt, bounded exponential back-off, and an endpoint that keeps failing disabled.

An attempt first takes the delivery with a conditional UPDATE (`claimed_until`, like the lanes' claims):
the immediate task and beat's sweep can both find a delivery due, only one sends it. A worker killed
mid-request leaves its claim to lapse; the sweep then sends again with the same `webhook-id` (receivers
de-duplicate on it: delivery is at least once).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from openoutreach.outreach.crypto import CredentialKeyError

from . import signing
from .events import EventType
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint

log = logging.getLogger(__name__)

USER_AGENT = "OpenOutreach-Webhooks/1"
MAX_REDIRECTS = 3  # 307/308 to the same origin only (they keep the method and body)
EXCERPT = 300
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass
class Outcome:
    delivery_id: int
    result: str  # delivered | failed | abandoned | skipped
    status_code: int | None = None
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def claim_seconds() -> float:
    """How long one attempt may hold its delivery: connect + read timeouts of every redirect hop, plus slack."""
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS * (MAX_REDIRECTS + 1) + 10


def backoff(attempt: int) -> timedelta:
    """Wait after failed attempt number `attempt` (1-based): start, doubling, capped."""
    seconds = settings.WEBHOOK_RETRY_START_SECONDS * 2 ** min(attempt - 1, 30)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def due(now: datetime):
    """Deliveries to attempt now: pending or failed, time reached, not held by an attempt in flight, to a
    sending endpoint (a test ping goes whatever the endpoint's state)."""
    return (
        Delivery.objects.filter(status__in=RETRYABLE, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(Q(endpoint__active=True, endpoint__disabled_at__isnull=True) | Q(event__type=EventType.TEST))
    )


def _claim(delivery_id: int, now: datetime) -> datetime | None:
    """Take a due delivery for one attempt (conditional UPDATE); its lease, or None when it is not due or
    another attempt holds it."""
    if not due(now).filter(pk=delivery_id).exists():
        return None
    until = now + timedelta(seconds=claim_seconds())
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    taken = Delivery.objects.filter(free, pk=delivery_id, status__in=RETRYABLE).update(claimed_until=until)
    return until if taken else None


class _Refused(Exception):
    """The request was not sent or its answer is not a success we follow (a short, URL-free reason)."""


def _post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    """POST, following at most MAX_REDIRECTS 307/308 redirects that stay on the same scheme, host and port."""
    timeout = (min(5.0, settings.WEBHOOK_TIMEOUT_SECONDS), settings.WEBHOOK_TIMEOUT_SECONDS)
    origin = urlsplit(url)[:2]
    with requests.Session() as session:
        for _ in range(MAX_REDIRECTS + 1):
            response = session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
            )
            if not response.is_redirect:
                return response
            location = urljoin(url, response.headers.get("location", ""))
            response.close()
            if response.status_code not in (307, 308):
                raise _Refused(
                    f"HTTP {response.status_code} redirect not followed (a POST would become a GET)"
                )
            if urlsplit(location)[:2] != origin:
                raise _Refused(f"HTTP {response.status_code} redirect to another host not followed")
            url = location
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


def _describe(exc: Exception) -> str:
    """A reason without the URL (a receiver's URL often carries its own token)."""
    if isinstance(exc, requests.Timeout):
        return f"timed out after {settings.WEBHOOK_TIMEOUT_SECONDS:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error (certificate or protocol)"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed (refused, reset or name not resolved)"
    return type(exc).__name__


def attempt(delivery_id: int) -> Outcome:
    """One attempt of one delivery if it is due and nobody else holds it; the outcome is recorded."""
    now = timezone.now()
    lease = _claim(delivery_id, now)
    if lease is None:
        return Outcome(delivery_id, "skipped")
    delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    event, endpoint = delivery.event, delivery.endpoint
    body = json.dumps(event.envelope(), separators=(",", ":"), ensure_ascii=False).encode()
    code, error, excerpt = None, "", ""
    started = time.monotonic()
    try:
        headers = signing.headers(endpoint.secret, event.event_id, int(time.time()), body)
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        with _post(endpoint.url, body, headers) as response:
            code = response.status_code
            excerpt = next(response.iter_content(EXCERPT, decode_unicode=False), b"").decode(
                "utf-8", "replace"
            )
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except CredentialKeyError:
        error = "the endpoint's secret cannot be decrypted (the credentials key changed): set a new secret"
    except signing.InvalidSecret as exc:
        error = f"the endpoint's secret is invalid: {exc}"
    except _Refused as exc:
        error = str(exc)
    except requests.RequestException as exc:
        error = _describe(exc)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, lease, code, error, excerpt, elapsed_ms)


def _record(
    delivery: Delivery, lease: datetime, code: int | None, error: str, excerpt: str, elapsed_ms: int
) -> Outcome:
    now = timezone.now()
    endpoint = delivery.endpoint
    is_test = delivery.event.type == EventType.TEST
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        number = current.attempts + 1
        DeliveryAttempt.objects.create(
            delivery=delivery, number=number, at=now, status_code=code, error=error[:500],
            duration_ms=elapsed_ms, response_excerpt=excerpt[:500],
        )  # fmt: skip
        row = Delivery.objects.filter(pk=delivery.pk)
        common = {
            "attempts": number,
            "claimed_until": None,
            "last_status_code": code,
            "last_error": error[:500],
        }
        if not error:
            row.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None, **common)
            if not is_test:
                Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0, failing_since=None)
            result = "delivered"
        elif current.status == DeliveryStatus.DELIVERED or current.claimed_until != lease:
            # this attempt outlived its lease and another one took over: it only adds to the log
            row.update(attempts=number)
            result = "failed"
        else:
            if is_test or number >= settings.WEBHOOK_MAX_ATTEMPTS:  # a test ping is attempted once
                row.update(status=DeliveryStatus.ABANDONED, next_attempt_at=None, **common)
                result = "abandoned"
            else:
                row.update(status=DeliveryStatus.FAILED, next_attempt_at=now + backoff(number), **common)
                result = "failed"
            if not is_test:
                Endpoint.objects.filter(pk=endpoint.pk).update(
                    consecutive_failures=F("consecutive_failures") + 1,
                    failing_since=Coalesce("failing_since", now),
                )
                _disable_if_failing(endpoint.pk, now, error)
    log.info(
        "webhook %s to endpoint %s: attempt %d %s %s",
        delivery.event.event_id,
        endpoint.pk,
        number,
        result,
        error,
    )
    return Outcome(delivery.pk, result, code, error)


def _disable_if_failing(endpoint_id: int, now: datetime, error: str) -> bool:
    """Disable an endpoint after WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row spanning at least
    WEBHOOK_DISABLE_AFTER_HOURS; the admin shows the reason and re-enables it."""
    endpoint = Endpoint.objects.get(pk=endpoint_id)
    if (
        endpoint.disabled_at is not None
        or endpoint.consecutive_failures < settings.WEBHOOK_DISABLE_AFTER_FAILURES
    ):
        return False
    since = endpoint.failing_since or now
    if now - since < timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS):
        return False
    reason = (
        f"{endpoint.consecutive_failures} failed attempts in a row since {since:%Y-%m-%d %H:%M} UTC "
        f"(last: {error[:200]}). Fix the receiver, then use the action 'Re-enable'."
    )
    disabled = Endpoint.objects.filter(pk=endpoint_id, disabled_at__isnull=True).update(
        disabled_at=now, disabled_reason=reason
    )
    if disabled:
        log.warning("webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.name, reason)
    return bool(disabled)


def reenable(endpoint: Endpoint) -> int:
    """Clear the disabled state and failure streak; what failed or was abandoned during the streak is due
    again at once (returns how many deliveries that is)."""
    now = timezone.now()
    with transaction.atomic():
        since = Endpoint.objects.select_for_update().get(pk=endpoint.pk).failing_since
        Endpoint.objects.filter(pk=endpoint.pk).update(
            disabled_at=None, disabled_reason="", consecutive_failures=0, failing_since=None
        )
        pending = Delivery.objects.filter(endpoint=endpoint, status__in=RETRYABLE)
        retried = pending.update(next_attempt_at=now)
        if since is not None:
            abandoned = Delivery.objects.filter(
                endpoint=endpoint, status=DeliveryStatus.ABANDONED, created_at__gte=since
            ).exclude(event__type=EventType.TEST)
            retried += abandoned.update(status=DeliveryStatus.FAILED, next_attempt_at=now)
    return retried


def retry_now(queryset) -> int:
    """An operator's "retry now": each delivery not yet delivered gets one more attempt at once."""
    return queryset.exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.FAILED, next_attempt_at=timezone.now(), claimed_until=None
    )


def sweep(limit: int = 200) -> list[int]:
    """Queue a `webhooks.deliver` for each due delivery, oldest first (beat, every WEBHOOK_SWEEP_SECONDS).
    The tasks expire soon: a backlog of stale copies never builds up; the next sweep sends what is left."""
    from .outbox import schedule

    ids = list(due(timezone.now()).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    schedule(ids, expires=max(60.0, 2 * settings.WEBHOOK_SWEEP_SECONDS))
    return ids
